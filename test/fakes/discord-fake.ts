import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer, readBody } from '../helpers/http.js';

/**
 * Discord on 127.0.0.1 for the real discord.js client: a REST API under `/api/v10` (Discord's documented
 * JSON shapes, every call recorded, 429s injected on demand with Discord's headers), the attachment CDN,
 * and a gateway (WebSocket, JSON encoding, no compression) that speaks HELLO → IDENTIFY → READY →
 * GUILD_CREATE, answers heartbeats, resumes sessions (replaying missed events) and lets the test dispatch
 * MESSAGE_CREATE and INTERACTION_CREATE (commands, button clicks, modal submits), or drop the connection. The
 * server has roles with permission bits, channels with permission overwrites and members (everyone who posted
 * or clicked, and those added), read through REST and kept current in the client's cache by GUILD_ROLE_CREATE
 * and CHANNEL_UPDATE, so discord.js computes a member's permissions in a channel as it would on Discord.
 * Components and modals (callback type 9) are checked against Discord's limits, refused as its 50035 error.
 * A request with files is multipart, as Discord takes it: the JSON in `payload_json`, each file in
 * `files[n]`; the files become the message's attachments, served by the CDN.
 */

export interface RecordedCall {
  method: string;
  /** Path after `/api/v10`, e.g. `/channels/1/messages`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** What the fake answered (a created message, a thread …). */
  response: unknown;
  /** The file parts of a multipart request: their form field and file name. */
  files?: Array<{ field: string; name: string }>;
}

export interface FakeUser {
  id: string;
  username: string;
  /** The user's display name (`global_name`); null when none was set. */
  globalName?: string;
}

/** A member of the fake's guild (GET /guilds/{guild}/members/{user}); change `nick` to play a profile edit. */
export interface FakeMember {
  user: FakeUser;
  nick: string | null;
  /** Role ids besides @everyone. */
  roles: string[];
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  components: unknown[];
  message_reference?: unknown;
  [key: string]: unknown;
}

export interface GatewayLog {
  /** Paths the client opened the socket on (`/gateway` first, `/resume` after a reconnect). */
  connections: string[];
  identifies: Array<{ token: string; intents: number }>;
  resumes: Array<{ session_id: string; seq: number }>;
  heartbeats: number;
}

export interface DiscordFake {
  /** For `DISCORD_API_URL`: `http://127.0.0.1:<port>/api`. */
  apiUrl: string;
  token: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  /** A second text channel of the server. */
  otherChannelId: string;
  bot: FakeUser;
  calls: RecordedCall[];
  gateway: GatewayLog;
  /** Messages as they stand now, after posts and edits. */
  messages: Map<string, FakeMessage>;
  /** Puts a file on the CDN; returns its attachment object as Discord sends it in events. */
  upload(file: { name: string; bytes: Buffer; contentType: string | null; size?: number }): DiscordAttachment;
  /** The CDN requests seen, by path. */
  cdnHits: string[];
  /** The next `times` calls matching answer 429 with `retry_after` (seconds) and X-RateLimit headers. */
  rateLimit(match: { method: string; path: RegExp }, retryAfterSeconds: number, times?: number): void;
  /** A person posts a message; `id` delivers an earlier message's MESSAGE_CREATE again (as a second gateway session sees it). */
  messageCreate(m: { author: FakeUser; content?: string; attachments?: DiscordAttachment[]; channelId?: string; id?: string; mentions?: FakeUser[] }): FakeMessage;
  /** `/whisper` typed in `channelId` (the first channel when not given). */
  slashCommand(i: { user: FakeUser; options: SlashOption[]; attachments?: DiscordAttachment[]; permissions?: bigint; channelId?: string }): FakeInteraction;
  /** A new role of the server with these permissions; returns its id. */
  addRole(r: { name: string; permissions: bigint }): string;
  /** Makes the person a member of the server with these roles (besides @everyone) and nickname, or sets them; GET guild member and select menus report them. */
  addMember(user: FakeUser, m?: { roles?: string[]; nick?: string | null }): FakeMember;
  /** Replaces a channel's permission overwrites. */
  setOverwrites(channelId: string, overwrites: FakeOverwrite[]): void;
  buttonClick(i: { user: FakeUser; message: FakeMessage; customId: string }): FakeInteraction;
  /**
   * A person submits a modal the bot showed (MODAL_SUBMIT): `values` by text input custom_id, every input
   * sent (an empty one as ''), as Discord does; `message` is the one whose button opened it.
   */
  modalSubmit(i: { user: FakeUser; customId: string; values: Record<string, string>; message?: FakeMessage }): FakeInteraction;
  /** A person picks `selected` in the user select menu (component type 5) `customId` of a message. */
  userSelect(i: { user: FakeUser; message: FakeMessage; customId: string; selected: FakeMember }): FakeInteraction;
  /** Asks the client to reconnect (op 7) or drops the socket (close code 4000); either way it should resume. */
  reconnect(how: 'op7' | 'close'): void;
  /** Waits until a recorded call satisfies `match`; returns it. */
  waitForCall(match: (c: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface DiscordAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
}

export type SlashOption =
  | { name: string; type: 3; value: string }
  | { name: string; type: 11; value: string };

export interface FakeInteraction {
  id: string;
  token: string;
}

/** A channel permission overwrite, as Discord's `permission_overwrites` hold them: type 0 a role, 1 a member. */
export interface FakeOverwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

/** Discord's permission bits the tests use. */
export const PERMISSIONS = { none: 0n, viewChannel: 1n << 10n, manageMessages: 1n << 13n, sendMessages: 1n << 11n } as const;

const API = '/api/v10';

/** An error of Discord's "Invalid Form Body" (50035), at a path of the body. */
type FormErrors = Record<string, unknown>;
const formError = (path: string[], message: string): FormErrors =>
  path.reduceRight<FormErrors>((inner, key) => ({ [key]: inner }), { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message }] });

/** Why Discord would refuse a message's components (5 rows of at most 5 buttons, custom ids up to 100); null when fine. */
function invalidComponents(components: unknown): FormErrors | null {
  if (!Array.isArray(components)) return null;
  if (components.length > 5) return formError([], 'Must be 5 or fewer in length.');
  for (const [i, row] of (components as Array<{ components?: Array<{ custom_id?: string }> }>).entries()) {
    const items = row.components ?? [];
    if (items.length < 1 || items.length > 5) return formError([String(i), 'components'], 'Must be between 1 and 5 in length.');
    const j = items.findIndex((c) => (c.custom_id ?? '').length > 100);
    if (j >= 0) return formError([String(i), 'components', String(j), 'custom_id'], 'Must be 100 or fewer in length.');
  }
  return null;
}

/**
 * Why Discord would refuse a modal (discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal,
 * components/reference#text-input): its custom id, title and 1–5 rows of one text input each, with label, style,
 * lengths and value in bounds; null when fine.
 */
function invalidModal(data: unknown): FormErrors | null {
  type Input = { type?: number; custom_id?: string; label?: string; style?: number; min_length?: number; max_length?: number; value?: string };
  const d = (data ?? {}) as { custom_id?: string; title?: string; components?: Array<{ type?: number; components?: Input[] }> };
  if (!d.custom_id || d.custom_id.length > 100) return formError(['data', 'custom_id'], 'Must be between 1 and 100 in length.');
  if (!d.title || d.title.length > 45) return formError(['data', 'title'], 'Must be between 1 and 45 in length.');
  const rows = d.components ?? [];
  if (rows.length < 1 || rows.length > 5) return formError(['data', 'components'], 'Must be between 1 and 5 in length.');
  for (const [i, row] of rows.entries()) {
    const at = ['data', 'components', String(i), 'components', '0'];
    const input = row.components?.[0];
    if (row.type !== 1 || row.components?.length !== 1 || input?.type !== 4) return formError(at, 'Expected one text input in an action row.');
    const max = input.max_length ?? 4000;
    if (!input.custom_id || input.custom_id.length > 100) return formError([...at, 'custom_id'], 'Must be between 1 and 100 in length.');
    if (!input.label || input.label.length > 45) return formError([...at, 'label'], 'Must be between 1 and 45 in length.');
    if (input.style !== 1 && input.style !== 2) return formError([...at, 'style'], 'Value must be one of (1, 2).');
    if (max < 1 || max > 4000) return formError([...at, 'max_length'], 'Must be between 1 and 4000.');
    if (input.value !== undefined && (input.value.length < 1 || input.value.length > max)) return formError([...at, 'value'], `Must be between 1 and ${max} in length.`);
  }
  return null;
}

export async function startDiscordFake(): Promise<DiscordFake> {
  // Unique across fakes, as Discord's snowflakes are: test files share one database, where ids are kept.
  let nextId = 1_300_000_000_000_000_000n + BigInt(randomBytes(4).readUInt32BE()) * 1_000_000n;
  const snowflake = () => String(nextId++);
  const token = `fake-${randomBytes(12).toString('hex')}`;
  const applicationId = snowflake();
  const guildId = snowflake();
  const channelId = snowflake();
  const otherChannelId = snowflake();
  const bot: FakeUser = { id: applicationId, username: 'whisper-notes' };

  const calls: RecordedCall[] = [];
  const messages = new Map<string, FakeMessage>();
  const files = new Map<string, { bytes: Buffer; contentType: string | null }>();
  const cdnHits: string[] = [];
  const limits: Array<{ method: string; path: RegExp; retryAfter: number; left: number }> = [];
  const gateway: GatewayLog = { connections: [], identifies: [], resumes: [], heartbeats: 0 };

  let base = '';
  let wsBase = '';

  const userObject = (u: FakeUser) => ({ id: u.id, username: u.username, discriminator: '0', global_name: u.globalName ?? null, avatar: null, bot: u.id === bot.id });
  const roleObject = (id: string, name: string, permissions: bigint, position: number) => ({ id, name, permissions: String(permissions), position, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 });
  // @everyone has the server's id; everyone may view and post unless an overwrite says otherwise.
  const roles = [roleObject(guildId, '@everyone', PERMISSIONS.viewChannel | PERMISSIONS.sendMessages, 0)];
  const channels = new Map<string, { name: string; overwrites: FakeOverwrite[] }>([
    [channelId, { name: 'general', overwrites: [] }],
    [otherChannelId, { name: 'random', overwrites: [] }],
  ]);
  /** Threads started from messages, by id (the message's), with the channel they are in. */
  const threads = new Map<string, Record<string, unknown>>();
  /** The server's members: their user, nickname and roles besides @everyone. */
  const members = new Map<string, FakeMember>();
  const joinedAt = new Date().toISOString();

  const channelObject = (id: string) => {
    const channel = channels.get(id)!;
    const overwrites = channel.overwrites.map((o) => ({ id: o.id, type: o.type, allow: String(o.allow), deny: String(o.deny) }));
    return { id, type: 0, guild_id: guildId, name: channel.name, position: 0, permission_overwrites: overwrites, parent_id: null, nsfw: false, topic: null, last_message_id: null, rate_limit_per_user: 0 };
  };
  /** The person as a member of the server (joining it on first sight: they posted or clicked there). */
  const memberObject = (user: FakeUser) => {
    const member = members.get(user.id) ?? { user, nick: null, roles: [] };
    members.set(user.id, member);
    return { user: userObject(user), ...memberFields(member) };
  };
  /** A guild member object without its user, as `resolved.members` carries it. */
  const memberFields = (m: FakeMember) => ({ roles: m.roles, nick: m.nick, avatar: null, joined_at: joinedAt, premium_since: null, deaf: false, mute: false, flags: 0, pending: false, communication_disabled_until: null });

  function messageObject(channel: string, author: FakeUser, body: Record<string, unknown>, attachments: DiscordAttachment[] = []): FakeMessage {
    return {
      id: snowflake(),
      channel_id: channel,
      guild_id: guildId,
      author: userObject(author),
      content: typeof body.content === 'string' ? body.content : '',
      components: Array.isArray(body.components) ? body.components : [],
      ...(body.message_reference ? { message_reference: body.message_reference } : {}),
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments,
      embeds: [],
      pinned: false,
      type: body.message_reference ? 19 : 0,
      flags: typeof body.flags === 'number' ? body.flags : 0,
    };
  }

  // ---- REST -------------------------------------------------------------------------------------------

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  function route(method: string, path: string, body: Record<string, unknown>, attachments: DiscordAttachment[]): [number, unknown] {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return [200, { url: `${wsBase}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } }];
    }
    if (method === 'GET' && path === '/users/@me') return [200, userObject(bot)];
    if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'GET') {
      if (channels.has(m[1]!)) return [200, channelObject(m[1]!)];
      return threads.has(m[1]!) ? [200, threads.get(m[1]!)] : [404, { message: 'Unknown Channel', code: 10003 }];
    }
    if ((m = /^\/guilds\/(\d+)\/members\/(\d+)$/.exec(path)) && method === 'GET') {
      const member = m[1] === guildId && members.get(m[2]!);
      return member ? [200, memberObject(member.user)] : [404, { message: 'Unknown Member', code: 10007 }];
    }
    const badComponents = (method === 'POST' || method === 'PATCH') && /^\/channels\/\d+\/messages/.test(path) ? invalidComponents(body.components) : null;
    if (badComponents) return [400, { code: 50035, message: 'Invalid Form Body', errors: { components: badComponents } }];
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') {
      const msg = messageObject(m[1]!, bot, body, attachments);
      messages.set(msg.id, msg);
      return [200, msg];
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && method === 'PATCH') {
      const msg = messages.get(m[2]!);
      if (!msg || msg.channel_id !== m[1]) return [404, { message: 'Unknown Message', code: 10008 }];
      if (typeof body.content === 'string') msg.content = body.content;
      if (Array.isArray(body.components)) msg.components = body.components;
      msg.edited_timestamp = new Date().toISOString();
      return [200, msg];
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && method === 'DELETE') {
      const msg = messages.get(m[2]!);
      if (!msg || msg.channel_id !== m[1]) return [404, { message: 'Unknown Message', code: 10008 }];
      messages.delete(msg.id);
      return [204, undefined];
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path)) && method === 'POST') {
      if (!messages.has(m[2]!)) return [404, { message: 'Unknown Message', code: 10008 }];
      // A thread started from a message takes the message's id.
      const thread = { id: m[2], type: 11, guild_id: guildId, parent_id: m[1], name: body.name, owner_id: bot.id, message_count: 0, member_count: 1, thread_metadata: { archived: false, auto_archive_duration: body.auto_archive_duration ?? 1440, archive_timestamp: new Date().toISOString(), locked: false } };
      threads.set(m[2]!, thread);
      // The gateway tells the bot of the thread it created, so messages posted in it reach the bot.
      dispatch('THREAD_CREATE', { ...thread, newly_created: true });
      return [201, thread];
    }
    if (/^\/interactions\/\d+\/[^/]+\/callback$/.test(path) && method === 'POST') {
      const invalid = body.type === 9 ? invalidModal(body.data) : null;
      return invalid ? [400, { code: 50035, message: 'Invalid Form Body', errors: invalid }] : [204, undefined];
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/.exec(path)) && method === 'PATCH') {
      return [200, { ...messageObject(channelId, bot, body, attachments), webhook_id: m[1], application_id: applicationId }];
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(path)) && method === 'POST') {
      return [200, { ...messageObject(channelId, bot, body, attachments), webhook_id: m[1], application_id: applicationId }];
    }
    if (/^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path) && method === 'PUT') {
      const list = Array.isArray(body) ? (body as Array<Record<string, unknown>>) : [];
      return [200, list.map((c) => ({ ...c, id: snowflake(), application_id: applicationId, version: snowflake(), default_member_permissions: null, type: 1 }))];
    }
    return [404, { message: '404: Not Found', code: 0 }];
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname.startsWith('/attachments/')) {
      cdnHits.push(url.pathname);
      const file = files.get(url.pathname);
      if (!file) return json(res, 404, { message: 'Not found' });
      res.writeHead(200, { 'content-length': file.bytes.length, ...(file.contentType ? { 'content-type': file.contentType } : {}) }).end(file.bytes);
      return;
    }
    if (!url.pathname.startsWith(API)) return json(res, 404, { message: '404: Not Found', code: 0 });
    const path = decodeURIComponent(url.pathname.slice(API.length));
    const method = req.method ?? 'GET';
    const { body, files: sent } = await requestBody(req);
    const call: RecordedCall = { method, path, query: Object.fromEntries(url.searchParams), body, status: 0, response: undefined };
    if (sent.length) call.files = sent.map(({ field, name }) => ({ field, name }));
    calls.push(call);

    if (req.headers.authorization !== `Bot ${token}` && !path.startsWith('/interactions/') && !path.startsWith('/webhooks/')) {
      call.status = 401;
      return json(res, 401, { message: '401: Unauthorized', code: 0 });
    }
    const limit = limits.find((l) => l.left > 0 && l.method === method && l.path.test(path));
    if (limit) {
      limit.left--;
      call.status = 429;
      return json(res, 429, { message: 'You are being rate limited.', retry_after: limit.retryAfter, global: false }, {
        'retry-after': String(Math.ceil(limit.retryAfter)),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': String(limit.retryAfter),
        'x-ratelimit-reset': String(Date.now() / 1000 + limit.retryAfter),
        'x-ratelimit-bucket': 'fake-bucket',
        'x-ratelimit-scope': 'user',
      });
    }
    const attachments = sent.map((f) => fake.upload(f));
    const [status, answer] = route(method, path, (body ?? {}) as Record<string, unknown>, attachments);
    call.status = status;
    call.response = answer;
    json(res, status, answer, { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4', 'x-ratelimit-reset-after': '1', 'x-ratelimit-bucket': 'fake-bucket' });
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => json(res, 500, { message: String(err) }));
  });

  // ---- Gateway ----------------------------------------------------------------------------------------

  const sessionId = randomBytes(16).toString('hex');
  let seq = 0;
  const history: Array<{ op: 0; t: string; s: number; d: unknown }> = [];
  let socket: WebSocket | null = null;
  /** Dispatches flow only once the socket has identified or resumed; before that they wait in history. */
  let live = false;

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, sock, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/gateway' && path !== '/resume') {
      sock.destroy();
      return;
    }
    wss.handleUpgrade(req, sock, head, (ws) => {
      gateway.connections.push(path);
      socket?.terminate();
      socket = ws;
      live = false;
      ws.on('message', (data) => onGatewayMessage(ws, JSON.parse((data as Buffer).toString()) as { op: number; d: Record<string, unknown> }));
      ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 1000 }, s: null, t: null }));
    });
  });

  function send(ws: WebSocket, payload: unknown) {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  }

  function dispatch(t: string, d: unknown) {
    const payload = { op: 0 as const, t, s: ++seq, d };
    history.push(payload);
    if (socket && live) send(socket, payload);
  }

  function guildCreate() {
    return {
      id: guildId,
      name: 'Fake Guild',
      icon: null,
      owner_id: '1',
      unavailable: false,
      large: false,
      member_count: 2,
      joined_at: new Date().toISOString(),
      afk_channel_id: null,
      afk_timeout: 300,
      system_channel_id: null,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      premium_tier: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      features: [],
      roles,
      emojis: [],
      stickers: [],
      members: [],
      channels: [...channels.keys()].map(channelObject),
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
    };
  }

  function onGatewayMessage(ws: WebSocket, msg: { op: number; d: Record<string, unknown> }) {
    switch (msg.op) {
      case 1:
        gateway.heartbeats++;
        send(ws, { op: 11, d: null, s: null, t: null });
        return;
      case 2: {
        gateway.identifies.push({ token: String(msg.d.token), intents: Number(msg.d.intents) });
        if (msg.d.token !== token) return ws.close(4004, 'Authentication failed.');
        live = true;
        dispatch('READY', {
          v: 10,
          user: { ...userObject(bot), verified: true, mfa_enabled: false, flags: 0 },
          guilds: [{ id: guildId, unavailable: true }],
          session_id: sessionId,
          resume_gateway_url: `${wsBase}/resume`,
          shard: [0, 1],
          application: { id: applicationId, flags: 0 },
          private_channels: [],
        });
        dispatch('GUILD_CREATE', guildCreate());
        return;
      }
      case 6: {
        const resume = { session_id: String(msg.d.session_id), seq: Number(msg.d.seq) };
        gateway.resumes.push(resume);
        if (resume.session_id !== sessionId || msg.d.token !== token) return send(ws, { op: 9, d: false, s: null, t: null });
        for (const missed of history.filter((h) => h.s > resume.seq)) send(ws, missed);
        live = true;
        dispatch('RESUMED', null);
        return;
      }
    }
  }

  // ---- Test controls ----------------------------------------------------------------------------------

  function interaction(type: number, user: FakeUser, data: unknown, extra: Record<string, unknown>, permissions: bigint, channel = channelId): FakeInteraction {
    const i = { id: snowflake(), token: `itoken-${randomBytes(8).toString('hex')}` };
    dispatch('INTERACTION_CREATE', {
      ...i,
      application_id: applicationId,
      type,
      version: 1,
      guild_id: guildId,
      channel_id: channel,
      channel: channelObject(channel),
      member: { ...memberObject(user), permissions: String(permissions) },
      app_permissions: String(PERMISSIONS.sendMessages),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
      data,
      ...extra,
    });
    return i;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  wsBase = `ws://127.0.0.1:${port}`;

  const fake: DiscordFake = {
    apiUrl: `${base}/api`,
    token,
    applicationId,
    guildId,
    channelId,
    otherChannelId,
    bot,
    calls,
    gateway,
    messages,
    cdnHits,
    upload({ name, bytes, contentType, size }) {
      const id = snowflake();
      const path = `/attachments/${channelId}/${id}/${encodeURIComponent(name)}`;
      files.set(path, { bytes, contentType });
      // CDN links are signed and expire (ex/is/hm), as Discord's are.
      const url = `${base}${path}?ex=${Math.floor(Date.now() / 1000 + 86400).toString(16)}&is=${Math.floor(Date.now() / 1000).toString(16)}&hm=${randomBytes(16).toString('hex')}&`;
      return { id, filename: name, size: size ?? bytes.length, url, proxy_url: url, ...(contentType ? { content_type: contentType } : {}) };
    },
    rateLimit(match, retryAfterSeconds, times = 1) {
      limits.push({ ...match, retryAfter: retryAfterSeconds, left: times });
    },
    messageCreate({ author, content = '', attachments = [], channelId: channel = channelId, id, mentions = [] }) {
      // Each person mentioned is also `<@id>` in the content, as Discord writes a mention.
      const said = [...mentions.map((u) => `<@${u.id}>`), content].join(' ').trim();
      const msg = { ...messageObject(channel, author, { content: said }), attachments, mentions: mentions.map(userObject), ...(id && { id }) };
      const { user: _user, ...member } = memberObject(author); // MESSAGE_CREATE's member has no user: it is the author
      dispatch('MESSAGE_CREATE', { ...msg, member });
      return msg;
    },
    slashCommand({ user, options, attachments = [], permissions = PERMISSIONS.sendMessages, channelId: channel = channelId }) {
      const resolved = attachments.length ? { resolved: { attachments: Object.fromEntries(attachments.map((a) => [a.id, a])) } } : {};
      return interaction(2, user, { id: snowflake(), name: 'whisper', type: 1, options, ...resolved }, {}, permissions, channel);
    },
    addRole({ name, permissions }) {
      const role = roleObject(snowflake(), name, permissions, roles.length);
      roles.push(role);
      dispatch('GUILD_ROLE_CREATE', { guild_id: guildId, role });
      return role.id;
    },
    addMember(user, { roles: memberRoles = [], nick = null } = {}) {
      const member = { user, nick, roles: memberRoles };
      members.set(user.id, member);
      return member;
    },
    setOverwrites(channel, overwrites) {
      channels.get(channel)!.overwrites = overwrites;
      dispatch('CHANNEL_UPDATE', channelObject(channel));
    },
    buttonClick({ user, message, customId }) {
      return interaction(3, user, { custom_id: customId, component_type: 2 }, { message: { ...message, author: userObject(bot) } }, PERMISSIONS.sendMessages);
    },
    modalSubmit({ user, customId, values, message }) {
      const components = Object.entries(values).map(([id, value]) => ({ type: 1, components: [{ type: 4, id: 0, custom_id: id, value }] }));
      const extra = message ? { message: { ...message, author: userObject(bot) } } : {};
      return interaction(5, user, { custom_id: customId, components }, extra, PERMISSIONS.sendMessages);
    },
    userSelect({ user, message, customId, selected }) {
      const id = selected.user.id;
      const data = {
        custom_id: customId,
        component_type: 5,
        values: [id],
        resolved: { users: { [id]: userObject(selected.user) }, members: { [id]: { ...memberFields(selected), permissions: String(PERMISSIONS.sendMessages) } } },
      };
      return interaction(3, user, data, { message: { ...message, author: userObject(bot) } }, PERMISSIONS.sendMessages);
    },
    reconnect(how) {
      const ws = socket;
      if (!ws) return;
      live = false;
      if (how === 'op7') send(ws, { op: 7, d: null, s: null, t: null });
      else ws.close(4000, 'Unknown error');
    },
    waitForCall(match, timeoutMs) {
      return fake.waitFor(() => calls.find((c) => c.status !== 0 && c.status < 400 && match(c)), timeoutMs);
    },
    async waitFor(probe, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value) return value;
        if (Date.now() > deadline) throw new Error('discord fake: timed out waiting');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await closeServer(server);
    },
  };
  return fake;
}

interface SentFile {
  field: string;
  name: string;
  bytes: Buffer;
  contentType: string | null;
}

/** A request's JSON, from the body or, in a multipart request, its `payload_json`; and the `files[n]` parts. */
async function requestBody(req: IncomingMessage): Promise<{ body: unknown; files: SentFile[] }> {
  const raw = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return { body: raw.length && /json/.test(type) ? JSON.parse(raw.toString('utf8')) : null, files: [] };
  const form = await new Request('http://discord.invalid/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
  const payload = form.get('payload_json');
  const files: SentFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string' || !/^files\[\d+\]$/.test(field)) continue;
    files.push({ field, name: value.name, bytes: Buffer.from(await value.arrayBuffer()), contentType: value.type || null });
  }
  return { body: typeof payload === 'string' ? JSON.parse(payload) : null, files };
}
