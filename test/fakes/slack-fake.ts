import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer, readBody } from '../helpers/http.js';

/**
 * Slack on 127.0.0.1 for the real Bolt app and @slack/web-api client: the Web API methods the bot calls,
 * answered in Slack's documented shapes (`{ok: true, …}` / `{ok: false, error}`), every call recorded,
 * channel members listed in cursor pages (shorter than asked, as Slack may answer, so every listing pages),
 * 429 + Retry-After injected on demand; private file downloads that demand the bot token; response URLs;
 * modals the bot opens (views.open); and the way in: slash commands, events, block actions and view
 * submissions, either POSTed to the bot's `/slack/events`
 * signed with Slack's v0 HMAC scheme, or, while a Socket Mode client is connected (`apps.connections.open`
 * hands out this server's WebSocket), sent as envelopes whose acks are awaited. Modals: `views.open` checks the
 * trigger (once, within 3 s) and the view as Slack does, and a test submits an opened view (`view_submission`).
 * Files the bot uploads go Slack's way (`files.uploadV2` in the client): `files.getUploadURLExternal` hands
 * out an upload URL on this server, the bytes are POSTed there, and `files.completeUploadExternal` shares them
 * as a message in the channel or thread named.
 */

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** HTTP status of the answer (429 when rate-limited). */
  status: number;
  response: unknown;
}

export interface FakeSlackUser {
  id: string;
  name: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  /** The IANA zone of the profile (users.info `user.tz`); Slack says America/Los_Angeles when none was set. */
  tz?: string;
  /** The channels the person is a member of; the channel the bot is in when not given. */
  channels?: string[];
  /** The profile's display name (users.info `user.profile.display_name`; Slack sends '' when none was set). Change it to play a profile edit. */
  displayName?: string;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  user: string;
  bot_id?: string;
  files?: FakeSlackFile[];
}

export interface FakeSlackFile {
  id: string;
  name: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
  user: string;
  /** Given when the file was uploaded with one (files.completeUploadExternal). */
  title?: string;
}

/** A modal the bot opened with `views.open`, as Slack keeps it: the view given, with its id. */
export interface FakeSlackView {
  id: string;
  /** Who it was opened for: the person whose click issued the trigger. */
  user: FakeSlackUser;
  view: { callback_id?: string; private_metadata?: string; title: { text: string }; blocks: Array<{ type: string; block_id?: string; element?: { type: string; action_id: string; options?: unknown[]; initial_value?: string } }> };
}

/** What the bot answered: the HTTP response to a POST, or the ack of a Socket Mode envelope. */
export interface Delivery {
  via: 'http' | 'socket';
  status: number;
  body: string;
}

export interface SigningOverride {
  /** Seconds since the epoch put in `x-slack-request-timestamp` (and signed). */
  timestamp?: number;
  /** A signature to send instead of the right one; null sends none. */
  signature?: string | null;
  /** More headers, e.g. Slack's `x-slack-retry-num` on a retried delivery. */
  headers?: Record<string, string>;
}

export interface SlackFake {
  /** For `SLACK_API_URL`. */
  apiUrl: string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  teamId: string;
  /** A channel the bot is in. */
  channelId: string;
  /** A channel the bot is not in: posting there answers `not_in_channel`. */
  outsideChannelId: string;
  botUserId: string;
  botId: string;
  /** Where HTTP deliveries go: the bot's `http://127.0.0.1:<port>/slack/events`. */
  eventsUrl: string | null;
  calls: SlackCall[];
  /** Messages as they stand now, by `channel:ts`. */
  messages: Map<string, FakeSlackMessage>;
  /** Bodies POSTed to response URLs, by the id in the URL. */
  responses: Array<{ id: string; body: { text?: string; response_type?: string } }>;
  /** File downloads seen, and whether they carried the bot token. */
  downloads: Array<{ fileId: string; authorized: boolean }>;
  socket: { opened: number; acks: Array<{ envelope_id: string; payload?: unknown }> };
  /** Every body POSTed to the bot, in order, so a test can deliver one again (a retry, a replay). */
  posted: Array<{ body: string; contentType: string; timestamp: number }>;
  addUser(user: FakeSlackUser): FakeSlackUser;
  /** The person leaves a channel: `conversations.members` no longer lists them. */
  leaveChannel(user: FakeSlackUser, channel: string): void;
  uploadFile(file: { name: string; mimetype: string; bytes: Buffer; size?: number; user?: string }): FakeSlackFile;
  /** The bytes of a file, shared by a person or uploaded by the bot. */
  contentOf(fileId: string): Buffer | undefined;
  /** The next `times` calls of `method` answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, retryAfterSeconds: number, times?: number): void;
  message(channel: string, ts: string): FakeSlackMessage | undefined;
  /** Replies in the thread of `channel:ts`, oldest first. */
  threadOf(channel: string, ts: string): FakeSlackMessage[];
  slashCommand(c: { user: FakeSlackUser; text: string; channelId?: string }, signing?: SigningOverride): Promise<Delivery & { responseId: string }>;
  /** A person shares files in a channel; `stub` sends them as Slack sometimes does (then `files.info` is needed). */
  fileShare(m: { user: FakeSlackUser; files: FakeSlackFile[]; stub?: boolean; threadTs?: string; channelId?: string }): Promise<Delivery & { ts: string }>;
  /**
   * A person writes a message mentioning the bot (`<@bot> text`), in a thread when `threadTs` is given: Slack
   * delivers an `app_mention` event. The message is kept like any other.
   */
  mention(m: { user: FakeSlackUser; text: string; threadTs?: string; channelId?: string }): Promise<Delivery & { ts: string }>;
  /** A click in a checkboxes element of a message: `selected` are the option values checked after the click. */
  checkboxes(a: { user: FakeSlackUser; message: FakeSlackMessage; blockId: string; actionId: string; selected: string[] }): Promise<Delivery & { responseId: string }>;
  /** A click on the button of a message whose action id is `actionId` (in block `blockId`, when several blocks have one); `responseId` names the action's response URL. */
  button(a: { user: FakeSlackUser; message: FakeSlackMessage; actionId: string; blockId?: string }): Promise<Delivery & { responseId: string }>;
  overflow(a: { user: FakeSlackUser; message: FakeSlackMessage; blockId: string; actionId: string; value: string }): Promise<Delivery & { responseId: string }>;
  /** Modals opened (`views.open`), oldest first. */
  views: FakeSlackView[];
  /**
   * The person submits an opened modal: `values` by input block id, a text for a plain_text_input, an
   * option's value for a static_select; a text field left out is sent as it was shown (its initial value). `user`
   * submits a modal opened for someone else. The delivery's body is the bot's answer (`response_action` …).
   */
  viewSubmission(s: { view: FakeSlackView; values: Record<string, string>; user?: FakeSlackUser }): Promise<Delivery>;
  /** A person picks `selected` in the users_select of block `blockId` of a message. */
  usersSelect(a: { user: FakeSlackUser; message: FakeSlackMessage; blockId: string; selected: FakeSlackUser }): Promise<Delivery & { responseId: string }>;
  /** POSTs a raw body to the bot, signed unless told otherwise. */
  postSigned(body: string, contentType: string, signing?: SigningOverride): Promise<Delivery>;
  waitForCall(match: (c: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** Slack's request signature: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}` under the signing secret. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

const JSON_ARGS = new Set(['blocks', 'attachments', 'files', 'view']);

/**
 * Why Slack would refuse a modal (api.slack.com/reference/surfaces/views, block-kit/blocks#input): the
 * message of its `invalid_arguments` answer, with the JSON pointer Slack names; null when valid.
 */
function invalidView(view: unknown): string | null {
  type Text = { type?: string; text?: string };
  type Element = { type?: string; action_id?: string; initial_value?: string; max_length?: number; options?: Array<{ value: string }>; initial_option?: { value: string } };
  type Block = { type?: string; block_id?: string; label?: Text; element?: Element; optional?: boolean };
  const v = (view ?? {}) as { type?: string; title?: Text; submit?: Text; close?: Text; blocks?: Block[]; private_metadata?: string; callback_id?: string };
  const plain = (t: Text | undefined, max: number, at: string, required = true) => {
    if (!t) return required ? `[ERROR] missing required field: ${at.split('/').pop()} [json-pointer:${at}]` : null;
    if (t.type !== 'plain_text') return `[ERROR] must be plain_text [json-pointer:${at}/type]`;
    if (!t.text || t.text.length > max) return `[ERROR] must be between 1 and ${max} characters [json-pointer:${at}/text]`;
    return null;
  };
  if (v.type !== 'modal') return '[ERROR] must be one of modal, home [json-pointer:/view/type]';
  const blocks = v.blocks ?? [];
  const problems = [
    plain(v.title, 24, '/view/title'),
    plain(v.submit, 24, '/view/submit', blocks.some((b) => b.type === 'input')),
    plain(v.close, 24, '/view/close', false),
    blocks.length > 100 ? '[ERROR] must have at most 100 items [json-pointer:/view/blocks]' : null,
    (v.private_metadata ?? '').length > 3000 ? '[ERROR] must be at most 3000 characters [json-pointer:/view/private_metadata]' : null,
    (v.callback_id ?? '').length > 255 ? '[ERROR] must be at most 255 characters [json-pointer:/view/callback_id]' : null,
    new Set(blocks.map((b) => b.block_id).filter(Boolean)).size !== blocks.filter((b) => b.block_id).length ? '[ERROR] block_id must be unique [json-pointer:/view/blocks]' : null,
    ...blocks.flatMap((b, i) => {
      if (b.type !== 'input') return [];
      const at = `/view/blocks/${i}`;
      const e = b.element;
      if (!e?.action_id) return [`[ERROR] missing required field: element [json-pointer:${at}/element]`];
      return [
        plain(b.label, 2000, `${at}/label`),
        e.type === 'plain_text_input' && e.initial_value !== undefined && (e.initial_value.length === 0 || e.initial_value.length > (e.max_length ?? 3000))
          ? `[ERROR] must be between 1 and ${e.max_length ?? 3000} characters [json-pointer:${at}/element/initial_value]`
          : null,
        e.type === 'static_select' && e.initial_option && !e.options?.some((o) => o.value === e.initial_option!.value)
          ? `[ERROR] must match an option [json-pointer:${at}/element/initial_option]`
          : null,
      ];
    }),
  ];
  return problems.find((p) => p !== null) ?? null;
}

/** Members per `conversations.members` page at most: fewer than the bot asks for, as Slack may answer. */
const MEMBERS_PAGE = 2;

export async function startSlackFake(): Promise<SlackFake> {
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const teamId = `T${tag}`;
  const botUserId = `U0BOT${tag}`;
  const botId = `B0BOT${tag}`;
  const users = new Map<string, FakeSlackUser>();
  const files = new Map<string, { file: FakeSlackFile; bytes: Buffer }>();
  /** Files the bot is uploading: named by getUploadURLExternal, bytes once POSTed, shared by completeUploadExternal. */
  const uploads = new Map<string, { filename: string; length: number; bytes: Buffer | null }>();
  const limits: Array<{ method: string; retryAfter: number; times: number }> = [];
  const pendingAcks = new Map<string, (ack: { envelope_id: string; payload?: unknown }) => void>();
  const sockets = new Set<WebSocket>();
  /** Trigger ids handed out with interactions: a modal may be opened with one once, within 3 s. */
  const triggers = new Map<string, { user: FakeSlackUser; at: number; used: boolean }>();
  let seq = 0;
  const base = Math.floor(Date.now() / 1000);
  const nextTs = () => `${base + ++seq}.${String(seq).padStart(6, '0')}`;
  const nextId = (prefix: string) => `${prefix}${tag}${String(++seq).padStart(4, '0')}`;

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  const wss = new WebSocketServer({ server, path: '/socket' });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** A file as files.info and message events show it, downloadable from this server with the bot token. */
  function fileRecord(id: string, name: string, mimetype: string, size: number, user: string): FakeSlackFile {
    const url = `${origin}/files-pri/${teamId}-${id}/download/${encodeURIComponent(name)}`;
    return { id, name, mimetype, filetype: name.split('.').pop() ?? 'binary', size, url_private: url.replace('/download/', '/'), url_private_download: url, user };
  }

  /** Slack's block_actions payload for one action on `message`, sent as the bot receives interactions. */
  async function blockAction(user: FakeSlackUser, message: FakeSlackMessage, action: Record<string, unknown>): Promise<Delivery & { responseId: string }> {
    const responseId = nextId('R');
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: teamId },
      api_app_id: 'A0WHISPER',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false, ...(message.thread_ts && { thread_ts: message.thread_ts }) },
      trigger_id: issueTrigger(user),
      team: { id: teamId, domain: 'acme' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: 'general' },
      message: { type: 'message', user: message.user, bot_id: message.bot_id, ts: message.ts, text: message.text, blocks: message.blocks, thread_ts: message.thread_ts },
      response_url: `${origin}/respond/${responseId}`,
      actions: [{ ...action, action_ts: `${Date.now() / 1000}` }],
    };
    const delivery = sockets.size
      ? await sendEnvelope('interactive', payload, false)
      : await fake.postSigned(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    return { ...delivery, responseId };
  }

  /** Who `conversations.members` lists for a channel: the bot in its channel, then every person in it. */
  function membersOf(channel: string): string[] {
    const people = [...users.values()].filter((u) => (u.channels ?? [fake.channelId]).includes(channel)).map((u) => u.id);
    return channel === fake.channelId ? [botUserId, ...people] : people;
  }

  /** `conversations.members`: one page from the cursor on; the cursor is opaque base64, as Slack's are. */
  function membersPage(channel: string, cursor: string, limit: number): Record<string, unknown> {
    if (channel !== fake.channelId && channel !== fake.outsideChannelId) return { ok: false, error: 'channel_not_found' };
    const members = membersOf(channel);
    const from = cursor ? members.indexOf(Buffer.from(cursor, 'base64').toString().replace(/^user:/, '')) : 0;
    if (from < 0) return { ok: false, error: 'invalid_cursor' };
    const page = members.slice(from, from + Math.min(limit > 0 ? limit : 100, MEMBERS_PAGE));
    const next = members[from + page.length];
    return { ok: true, members: page, response_metadata: { next_cursor: next ? Buffer.from(`user:${next}`).toString('base64') : '' } };
  }

  function issueTrigger(user: FakeSlackUser): string {
    const id = `${++seq}.${Date.now()}.${randomBytes(8).toString('hex')}`;
    triggers.set(id, { user, at: Date.now(), used: false });
    return id;
  }

  const fake: SlackFake = {
    apiUrl: `${origin}/api/`,
    botToken: `xoxb-${tag}-fake`,
    appToken: `xapp-1-${tag}-fake`,
    signingSecret: randomBytes(16).toString('hex'),
    teamId,
    channelId: `C0GENERAL${tag}`,
    outsideChannelId: `C0OTHER${tag}`,
    botUserId,
    botId,
    eventsUrl: null,
    calls: [],
    messages: new Map(),
    responses: [],
    views: [],
    downloads: [],
    socket: { opened: 0, acks: [] },
    posted: [],

    addUser(user) {
      users.set(user.id, user);
      return user;
    },

    leaveChannel(user, channel) {
      user.channels = (user.channels ?? [fake.channelId]).filter((c) => c !== channel);
    },

    uploadFile({ name, mimetype, bytes, size, user }) {
      const file = fileRecord(nextId('F'), name, mimetype, size ?? bytes.length, user ?? 'U0NOBODY');
      files.set(file.id, { file, bytes });
      return file;
    },

    contentOf: (fileId) => files.get(fileId)?.bytes,

    rateLimit(method, retryAfter, times = 1) {
      limits.push({ method, retryAfter, times });
    },

    message: (channel, ts) => fake.messages.get(`${channel}:${ts}`),
    threadOf: (channel, ts) => [...fake.messages.values()].filter((m) => m.channel === channel && m.thread_ts === ts && m.ts !== ts),

    async slashCommand({ user, text, channelId }, signing) {
      const responseId = nextId('R');
      const command = {
        token: 'legacy-verification-token',
        team_id: teamId,
        team_domain: 'acme',
        channel_id: channelId ?? fake.channelId,
        channel_name: 'general',
        user_id: user.id,
        user_name: user.name,
        command: '/whisper',
        text,
        api_app_id: 'A0WHISPER',
        is_enterprise_install: 'false',
        response_url: `${origin}/respond/${responseId}`,
        trigger_id: `${seq}.${tag}`,
      };
      const delivery = sockets.size
        ? await sendEnvelope('slash_commands', command, true)
        : await fake.postSigned(new URLSearchParams(command).toString(), 'application/x-www-form-urlencoded', signing);
      return { ...delivery, responseId };
    },

    async fileShare({ user, files: shared, stub = false, threadTs, channelId }) {
      const ts = nextTs();
      const channel = channelId ?? fake.channelId;
      const message: FakeSlackMessage = { channel, ts, text: '', blocks: [], user: user.id, files: shared, ...(threadTs && { thread_ts: threadTs }) };
      fake.messages.set(`${channel}:${ts}`, message);
      const event = {
        type: 'message',
        subtype: 'file_share',
        text: '',
        user: user.id,
        channel,
        channel_type: 'channel',
        ts,
        event_ts: ts,
        upload: false,
        display_as_bot: false,
        files: shared.map((f) => (stub ? { id: f.id, mode: 'file_access', file_access: 'check_file_info', created: base, user: f.user } : f)),
        ...(threadTs && { thread_ts: threadTs }),
      };
      return { ...(await deliverEvent(event)), ts };
    },

    async mention({ user, text, threadTs, channelId }) {
      const ts = nextTs();
      const channel = channelId ?? fake.channelId;
      const said = `<@${botUserId}> ${text}`;
      fake.messages.set(`${channel}:${ts}`, { channel, ts, text: said, blocks: [], user: user.id, ...(threadTs && { thread_ts: threadTs }) });
      const event = {
        type: 'app_mention',
        user: user.id,
        text: said,
        ts,
        team: teamId,
        channel,
        event_ts: ts,
        blocks: [{ type: 'rich_text', block_id: nextId('B'), elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: botUserId }, { type: 'text', text: ` ${text}` }] }] }],
        ...(threadTs && { thread_ts: threadTs, parent_user_id: botUserId }),
      };
      return { ...(await deliverEvent(event)), ts };
    },

    async checkboxes({ user, message, blockId, actionId, selected }) {
      const options = new Map<string, unknown>();
      for (const block of message.blocks as Array<{ elements?: Array<{ options?: Array<{ value: string }> }> }>) {
        for (const element of block.elements ?? []) for (const o of element.options ?? []) options.set(o.value, o);
      }
      return blockAction(user, message, { type: 'checkboxes', action_id: actionId, block_id: blockId, selected_options: selected.map((v) => options.get(v) ?? { value: v }) });
    },

    async button({ user, message, actionId, blockId }) {
      type Element = { type: string; action_id?: string; value?: string; text: unknown };
      const blocks = message.blocks as Array<{ block_id?: string; elements?: Element[] }>;
      const block = blocks.find((b) => (blockId === undefined || b.block_id === blockId) && b.elements?.some((e) => e.type === 'button' && e.action_id === actionId));
      const button = block?.elements?.find((e) => e.action_id === actionId);
      if (!block || !button) throw new Error(`no button ${actionId} on message ${message.ts}`);
      return blockAction(user, message, { type: 'button', action_id: actionId, block_id: block.block_id ?? 'actions', text: button.text, value: button.value });
    },

    async overflow({ user, message, blockId, actionId, value }) {
      type Element = { type: string; action_id?: string; options?: Array<{ value: string }> };
      const block = (message.blocks as Array<{ block_id?: string; elements?: Element[] }>).find((b) => b.block_id === blockId);
      const option = block?.elements?.find((e) => e.type === 'overflow' && e.action_id === actionId)?.options?.find((o) => o.value === value);
      if (!option) throw new Error(`no overflow option ${value} in block ${blockId}`);
      return blockAction(user, message, { type: 'overflow', action_id: actionId, block_id: blockId, selected_option: option });
    },

    async viewSubmission({ view, values, user = view.user }) {
      const state: Record<string, Record<string, unknown>> = {};
      for (const block of view.view.blocks) {
        if (block.type !== 'input' || !block.block_id || !block.element) continue;
        const { type, action_id, options } = block.element;
        const value = values[block.block_id];
        state[block.block_id] = {
          [action_id]:
            type === 'static_select'
              ? { type, selected_option: (options as Array<{ value: string }> | undefined)?.find((o) => o.value === value) ?? null }
              : { type, value: (value === undefined ? block.element.initial_value : value) || null },
        };
      }
      const payload = {
        type: 'view_submission',
        team: { id: teamId, domain: 'acme' },
        user: { id: user.id, username: user.name, name: user.name, team_id: teamId },
        api_app_id: 'A0WHISPER',
        token: 'legacy-verification-token',
        trigger_id: issueTrigger(user),
        view: { id: view.id, team_id: teamId, type: 'modal', ...view.view, state: { values: state }, hash: `${Date.now()}.${tag}`, root_view_id: view.id, app_id: 'A0WHISPER', bot_id: botId },
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      };
      return sockets.size
        ? sendEnvelope('interactive', payload, true)
        : fake.postSigned(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    },

    async usersSelect({ user, message, blockId, selected }) {
      type Accessory = { type: string; action_id: string; initial_user?: string };
      const block = (message.blocks as Array<{ block_id?: string; accessory?: Accessory }>).find((b) => b.block_id === blockId && b.accessory?.type === 'users_select');
      if (!block) throw new Error(`no users_select in block ${blockId} of message ${message.ts}`);
      const { action_id, initial_user } = block.accessory!;
      return blockAction(user, message, { type: 'users_select', action_id, block_id: blockId, selected_user: selected.id, ...(initial_user && { initial_user }) });
    },

    async postSigned(body, contentType, signing = {}) {
      if (!fake.eventsUrl) throw new Error('set eventsUrl to the bot’s /slack/events first');
      const timestamp = signing.timestamp ?? Math.floor(Date.now() / 1000);
      const signature = signing.signature === undefined ? slackSignature(fake.signingSecret, timestamp, body) : signing.signature;
      fake.posted.push({ body, contentType, timestamp });
      const res = await fetch(fake.eventsUrl, {
        method: 'POST',
        headers: { ...signing.headers, 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), ...(signature !== null && { 'x-slack-signature': signature }) },
        body,
      });
      return { via: 'http', status: res.status, body: await res.text() };
    },

    waitForCall(match, timeoutMs) {
      return fake.waitFor(() => fake.calls.find(match), timeoutMs);
    },

    async waitFor(probe, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`slack fake: condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },

    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await closeServer(server);
    },
  };

  function deliverEvent(event: Record<string, unknown>): Promise<Delivery> {
    const callback = {
      token: 'legacy-verification-token',
      team_id: teamId,
      api_app_id: 'A0WHISPER',
      event,
      type: 'event_callback',
      event_id: nextId('Ev'),
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: teamId, user_id: botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
    return sockets.size ? sendEnvelope('events_api', callback, false) : fake.postSigned(JSON.stringify(callback), 'application/json');
  }

  /** Sends a Socket Mode envelope on the open connection and waits for the bot to ack it. */
  function sendEnvelope(type: string, payload: unknown, acceptsResponsePayload: boolean): Promise<Delivery> {
    const envelopeId = randomBytes(8).toString('hex');
    const acked = new Promise<Delivery>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for envelope ${envelopeId} (${type})`)), 5000);
      pendingAcks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve({ via: 'socket', status: 200, body: ack.payload === undefined ? '' : JSON.stringify(ack.payload) });
      });
    });
    const [ws] = sockets;
    ws!.send(JSON.stringify({ envelope_id: envelopeId, type, accepts_response_payload: acceptsResponsePayload, retry_attempt: 0, retry_reason: '', payload }));
    return acked;
  }

  wss.on('connection', (ws) => {
    sockets.add(ws);
    fake.socket.opened++;
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data: Buffer) => {
      const ack = JSON.parse(data.toString()) as { envelope_id?: string; payload?: unknown };
      if (!ack.envelope_id) return;
      fake.socket.acks.push({ envelope_id: ack.envelope_id, payload: ack.payload });
      pendingAcks.get(ack.envelope_id)?.(ack as { envelope_id: string; payload?: unknown });
      pendingAcks.delete(ack.envelope_id);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake-slack', approximate_connection_time: 3600 }, connection_info: { app_id: 'A0WHISPER' } }));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) return api(url.pathname.slice('/api/'.length), req, res);
    if (req.method === 'POST' && url.pathname.startsWith('/respond/')) {
      fake.responses.push({ id: url.pathname.slice('/respond/'.length), body: JSON.parse((await readBody(req)).toString()) as { text?: string } });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const upload = /^\/upload\/v1\/([A-Z0-9]+)$/.exec(url.pathname);
    if (req.method === 'POST' && upload) {
      const pending = uploads.get(upload[1]!);
      if (!pending) return void res.writeHead(404).end('not found');
      pending.bytes = await uploadedBytes(req);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${pending.bytes.length}`);
      return;
    }
    const download = /^\/files-pri\/[^/]+-([A-Z0-9]+)\/download\//.exec(url.pathname);
    if (req.method === 'GET' && download) {
      const stored = files.get(download[1]!);
      const authorized = req.headers.authorization === `Bearer ${fake.botToken}`;
      fake.downloads.push({ fileId: download[1]!, authorized });
      if (!stored) return void res.writeHead(404).end('not found');
      if (!authorized) return void res.writeHead(401, { 'content-type': 'text/plain' }).end('not authorized');
      res.writeHead(200, { 'content-type': stored.file.mimetype, 'content-length': stored.bytes.length }).end(stored.bytes);
      return;
    }
    res.writeHead(404).end('not found');
  }

  async function api(method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = (await readBody(req)).toString();
    const args: Record<string, unknown> = /json/.test(req.headers['content-type'] ?? '')
      ? (JSON.parse(raw || '{}') as Record<string, unknown>)
      : Object.fromEntries([...new URLSearchParams(raw)].map(([k, v]) => [k, JSON_ARGS.has(k) ? JSON.parse(v) : v]));
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? (args.token as string | undefined) ?? null;
    delete args.token;

    const limit = limits.find((l) => l.method === method && l.times > 0);
    if (limit) {
      limit.times--;
      const response = { ok: false, error: 'ratelimited' };
      fake.calls.push({ method, args, status: 429, response });
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(limit.retryAfter) }).end(JSON.stringify(response));
      return;
    }
    const response = answer(method, args, token);
    fake.calls.push({ method, args, status: 200, response });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(response));
  }

  /** A message holds at most 50 blocks. */
  const tooManyBlocks = (blocks: unknown) => Array.isArray(blocks) && blocks.length > 50;

  /** A text argument: a string as sent, `fallback` when absent, anything else as its JSON. */
  const orString = (value: unknown, fallback: string) => (typeof value === 'string' ? value : value === undefined || value === null ? fallback : JSON.stringify(value));

  function answer(method: string, args: Record<string, unknown>, token: string | null): Record<string, unknown> {
    const fail = (error: string) => ({ ok: false, error });
    if (!token) return fail('not_authed');
    if (method === 'apps.connections.open') {
      if (token !== fake.appToken) return fail(token.startsWith('xoxb-') ? 'not_allowed_token_type' : 'invalid_auth');
      return { ok: true, url: `${origin.replace('http:', 'ws:')}/socket?ticket=${randomBytes(8).toString('hex')}` };
    }
    if (token !== fake.botToken) return fail('invalid_auth');
    const channel = orString(args.channel, '');
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'whisper-notes', team_id: teamId, user_id: botUserId, bot_id: botId, is_enterprise_install: false };
      case 'chat.postMessage': {
        if (channel === fake.outsideChannelId) return fail('not_in_channel');
        if (channel !== fake.channelId) return fail('channel_not_found');
        if (!args.text && !args.blocks) return fail('no_text');
        if (tooManyBlocks(args.blocks)) return fail('invalid_blocks');
        const ts = nextTs();
        const message: FakeSlackMessage = {
          channel,
          ts,
          text: orString(args.text, ''),
          blocks: (args.blocks as unknown[] | undefined) ?? [],
          user: botUserId,
          bot_id: botId,
          ...(typeof args.thread_ts === 'string' && { thread_ts: args.thread_ts }),
        };
        fake.messages.set(`${channel}:${ts}`, message);
        return { ok: true, channel, ts, message: { type: 'message', ...message } };
      }
      case 'chat.update': {
        const message = fake.message(channel, String(args.ts));
        if (!message) return fail('message_not_found');
        if (message.user !== botUserId) return fail('cant_update_message');
        if (tooManyBlocks(args.blocks)) return fail('invalid_blocks');
        message.text = orString(args.text, message.text);
        if (args.blocks) message.blocks = args.blocks as unknown[];
        return { ok: true, channel, ts: message.ts, text: message.text, message: { type: 'message', ...message } };
      }
      case 'views.open': {
        const trigger = triggers.get(orString(args.trigger_id, ''));
        if (!trigger) return fail('invalid_trigger_id');
        if (trigger.used) return fail('exchanged_trigger_id');
        if (Date.now() - trigger.at > 3000) return fail('expired_trigger_id');
        const invalid = invalidView(args.view);
        if (invalid) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: [invalid] } };
        trigger.used = true;
        const opened: FakeSlackView = { id: nextId('V'), user: trigger.user, view: args.view as FakeSlackView['view'] };
        fake.views.push(opened);
        return { ok: true, view: { id: opened.id, team_id: teamId, type: 'modal', ...opened.view, state: { values: {} }, hash: `${Date.now()}.${tag}`, root_view_id: opened.id, app_id: 'A0WHISPER', bot_id: botId } };
      }
      case 'chat.postEphemeral':
        if (channel !== fake.channelId) return fail('channel_not_found');
        if (!membersOf(channel).includes(orString(args.user, ''))) return fail('user_not_in_channel');
        return { ok: true, message_ts: nextTs() };
      case 'conversations.members':
        return membersPage(channel, orString(args.cursor, ''), Number(args.limit ?? 100));
      case 'files.info': {
        const stored = files.get(String(args.file));
        return stored ? { ok: true, file: stored.file, comments: [], response_metadata: { next_cursor: '' } } : fail('file_not_found');
      }
      case 'files.getUploadURLExternal': {
        const length = Number(args.length);
        if (typeof args.filename !== 'string' || !Number.isInteger(length) || length < 1) return fail('invalid_arguments');
        const id = nextId('F');
        uploads.set(id, { filename: args.filename, length, bytes: null });
        return { ok: true, upload_url: `${origin}/upload/v1/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const shared = args.files as Array<{ id: string; title?: string }> | undefined;
        if (!Array.isArray(shared) || shared.length === 0) return fail('invalid_arguments');
        const target = orString(args.channel_id, '');
        if (target === fake.outsideChannelId) return fail('not_in_channel');
        if (target && target !== fake.channelId) return fail('channel_not_found');
        const done: FakeSlackFile[] = [];
        for (const { id, title } of shared) {
          const pending = uploads.get(id);
          // Slack refuses to complete an upload whose bytes did not arrive, or not as many as announced.
          if (!pending?.bytes || pending.bytes.length !== pending.length) return fail('file_not_found');
          const file = { ...fileRecord(id, pending.filename, 'text/plain', pending.length, botUserId), title: title ?? pending.filename };
          files.set(id, { file, bytes: pending.bytes });
          uploads.delete(id);
          done.push(file);
        }
        if (target) {
          const ts = nextTs();
          const thread = typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {};
          fake.messages.set(`${target}:${ts}`, { channel: target, ts, text: orString(args.initial_comment, ''), blocks: [], user: botUserId, bot_id: botId, files: done, ...thread });
        }
        return { ok: true, files: done.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'users.info': {
        const user = users.get(String(args.user));
        if (!user) return fail('user_not_found');
        return {
          ok: true,
          user: {
            id: user.id,
            team_id: teamId,
            name: user.name,
            real_name: user.name,
            deleted: false,
            is_bot: false,
            is_admin: user.isAdmin ?? false,
            is_owner: user.isOwner ?? false,
            is_primary_owner: false,
            tz: user.tz ?? 'America/Los_Angeles',
            profile: { display_name: user.displayName ?? '', real_name: user.name },
          },
        };
      }
      default:
        return fail('unknown_method');
    }
  }

  return fake;
}

/** The bytes POSTed to an upload URL: the file part of a multipart form (as the client sends it), or the raw body. */
async function uploadedBytes(req: IncomingMessage): Promise<Buffer> {
  const raw = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return raw;
  const form = await new Request('http://upload.invalid/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
  const file = [...form.values()].find((v): v is File => typeof v !== 'string');
  return file ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
}
