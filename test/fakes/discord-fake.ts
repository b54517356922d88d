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
 * MESSAGE_CREATE and INTERACTION_CREATE, or drop the connection.
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
}

export interface FakeUser {
  id: string;
  username: string;
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
  messageCreate(m: { author: FakeUser; content?: string; attachments?: DiscordAttachment[]; channelId?: string; id?: string }): FakeMessage;
  slashCommand(i: { user: FakeUser; options: SlashOption[]; attachments?: DiscordAttachment[]; permissions?: bigint }): FakeInteraction;
  buttonClick(i: { user: FakeUser; message: FakeMessage; customId: string }): FakeInteraction;
  /**
   * A person submits a modal the bot showed (MODAL_SUBMIT): `values` by text input custom_id, every input
   * sent (an empty one as ''), as Discord does; `message` is the one whose button opened it.
   */
  modalSubmit(i: { user: FakeUser; customId: string; values: Record<string, string>; message?: FakeMessage }): FakeInteraction;
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

/** Discord's permission bits the tests use. */
export const PERMISSIONS = { none: 0n, manageMessages: 1n << 13n, sendMessages: 1n << 11n } as const;

const API = '/api/v10';

/**
 * A MODAL callback's data as Discord accepts it: a custom_id, a title of at most 45 characters, and 1–5 rows
 * of one text input each (custom_id, a label of at most 45 characters, style 1 short or 2 paragraph).
 */
function isModal(data: unknown): boolean {
  const d = data as { custom_id?: unknown; title?: unknown; components?: unknown } | undefined;
  if (typeof d?.custom_id !== 'string' || !d.custom_id || d.custom_id.length > 100) return false;
  if (typeof d.title !== 'string' || !d.title || d.title.length > 45) return false;
  if (!Array.isArray(d.components) || d.components.length < 1 || d.components.length > 5) return false;
  return d.components.every((row: { type?: unknown; components?: Array<{ type?: unknown; custom_id?: unknown; label?: unknown; style?: unknown }> }) => {
    const input = row.components?.[0];
    return row.type === 1 && row.components?.length === 1 && input?.type === 4 && typeof input.custom_id === 'string' &&
      typeof input.label === 'string' && input.label.length <= 45 && (input.style === 1 || input.style === 2);
  });
}

export async function startDiscordFake(): Promise<DiscordFake> {
  // Unique across fakes, as Discord's snowflakes are: test files share one database, where ids are kept.
  let nextId = 1_300_000_000_000_000_000n + BigInt(randomBytes(4).readUInt32BE()) * 1_000_000n;
  const snowflake = () => String(nextId++);
  const token = `fake-${randomBytes(12).toString('hex')}`;
  const applicationId = snowflake();
  const guildId = snowflake();
  const channelId = snowflake();
  const bot: FakeUser = { id: applicationId, username: 'whisper-notes' };

  const calls: RecordedCall[] = [];
  const messages = new Map<string, FakeMessage>();
  const files = new Map<string, { bytes: Buffer; contentType: string | null }>();
  const cdnHits: string[] = [];
  const limits: Array<{ method: string; path: RegExp; retryAfter: number; left: number }> = [];
  const gateway: GatewayLog = { connections: [], identifies: [], resumes: [], heartbeats: 0 };

  let base = '';
  let wsBase = '';

  const userObject = (u: FakeUser) => ({ id: u.id, username: u.username, discriminator: '0', global_name: null, avatar: null, bot: u.id === bot.id });
  const channelObject = (id: string) => ({ id, type: 0, guild_id: guildId, name: 'general', position: 0, permission_overwrites: [], parent_id: null, nsfw: false, topic: null, last_message_id: null, rate_limit_per_user: 0 });

  function messageObject(channel: string, author: FakeUser, body: Record<string, unknown>): FakeMessage {
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
      attachments: [],
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

  function route(method: string, path: string, body: Record<string, unknown>): [number, unknown] {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return [200, { url: `${wsBase}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } }];
    }
    if (method === 'GET' && path === '/users/@me') return [200, userObject(bot)];
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') {
      const msg = messageObject(m[1]!, bot, body);
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
      return [201, { id: m[2], type: 11, guild_id: guildId, parent_id: m[1], name: body.name, owner_id: bot.id, message_count: 0, member_count: 1, thread_metadata: { archived: false, auto_archive_duration: body.auto_archive_duration ?? 1440, archive_timestamp: new Date().toISOString(), locked: false } }];
    }
    if (/^\/interactions\/\d+\/[^/]+\/callback$/.test(path) && method === 'POST') {
      if (body.type === 9 && !isModal(body.data)) return [400, { message: 'Invalid Form Body', code: 50035, errors: { data: { _errors: [{ code: 'MODAL_INVALID', message: 'Invalid modal' }] } } }];
      return [204, undefined];
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/.exec(path)) && method === 'PATCH') {
      return [200, { ...messageObject(channelId, bot, body), webhook_id: m[1], application_id: applicationId }];
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(path)) && method === 'POST') {
      return [200, { ...messageObject(channelId, bot, body), webhook_id: m[1], application_id: applicationId }];
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
    const raw = await readBody(req);
    const body: unknown = raw.length && /json/.test(req.headers['content-type'] ?? '') ? JSON.parse(raw.toString('utf8')) : null;
    const call: RecordedCall = { method, path, query: Object.fromEntries(url.searchParams), body, status: 0, response: undefined };
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
    const [status, answer] = route(method, path, (body ?? {}) as Record<string, unknown>);
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
      roles: [{ id: guildId, name: '@everyone', permissions: String(PERMISSIONS.sendMessages), position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      stickers: [],
      members: [],
      channels: [channelObject(channelId)],
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

  function interaction(type: number, user: FakeUser, data: unknown, extra: Record<string, unknown>, permissions: bigint): FakeInteraction {
    const i = { id: snowflake(), token: `itoken-${randomBytes(8).toString('hex')}` };
    dispatch('INTERACTION_CREATE', {
      ...i,
      application_id: applicationId,
      type,
      version: 1,
      guild_id: guildId,
      channel_id: channelId,
      channel: channelObject(channelId),
      member: { user: userObject(user), roles: [], permissions: String(permissions), joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
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
    messageCreate({ author, content = '', attachments = [], channelId: channel = channelId, id }) {
      const msg = { ...messageObject(channel, author, { content }), attachments, ...(id && { id }) };
      dispatch('MESSAGE_CREATE', { ...msg, member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 } });
      return msg;
    },
    slashCommand({ user, options, attachments = [], permissions = PERMISSIONS.sendMessages }) {
      const resolved = attachments.length ? { resolved: { attachments: Object.fromEntries(attachments.map((a) => [a.id, a])) } } : {};
      return interaction(2, user, { id: snowflake(), name: 'whisper', type: 1, options, ...resolved }, {}, permissions);
    },
    buttonClick({ user, message, customId }) {
      return interaction(3, user, { custom_id: customId, component_type: 2 }, { message: { ...message, author: userObject(bot) } }, PERMISSIONS.sendMessages);
    },
    modalSubmit({ user, customId, values, message }) {
      const components = Object.entries(values).map(([id, value]) => ({ type: 1, components: [{ type: 4, id: 0, custom_id: id, value }] }));
      const extra = message ? { message: { ...message, author: userObject(bot) } } : {};
      return interaction(5, user, { custom_id: customId, components }, extra, PERMISSIONS.sendMessages);
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
