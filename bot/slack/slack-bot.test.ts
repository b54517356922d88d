import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Core } from '../../core/app.js';
import { startSlackFake, type FakeSlackUser, type SlackFake } from '../../test/fakes/slack-fake.js';
import { startPipelineHarness, type PipelineHarness } from '../../test/helpers/pipeline-harness.js';
import type { BotOptions } from '../chat-platform.js';
import { EVENTS_PATH } from './app.js';
import { startSlackBot, type SlackBot } from './index.js';
import { sessionsOf } from '../../test/helpers/sessions.js';

let fake: SlackFake;
let h: PipelineHarness;
let core: Core;
const alice: FakeSlackUser = { id: 'U0ALICE', name: 'alice' };
const running: SlackBot[] = [];

/** These tests drive the bot's front door only; ticks and re-renders are the end-to-end test's business. */
const options = (): BotOptions => ({ linkFor: () => null, todos: core.todos.service, notes: core.notes, todosChanged: async () => undefined, askWhoSpoke: async () => 'not-found' });

beforeAll(async () => {
  fake = await startSlackFake();
  fake.addUser(alice);
  h = await startPipelineHarness({
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: fake.signingSecret,
    SLACK_API_URL: fake.apiUrl,
    SLACK_PORT: '0',
  });
  core = h.core;
});

afterAll(async () => {
  await Promise.all(running.map((b) => b.stop()));
  await fake?.close();
  await h?.close();
});

const responseTo = (id: string) => fake.waitFor(() => fake.responses.find((r) => r.id === id));

describe('HTTP mode', () => {
  beforeAll(async () => {
    const bot = await startSlackBot(core, options());
    running.push(bot);
    fake.eventsUrl = `http://127.0.0.1:${bot.port}${EVENTS_PATH}`;
  });

  it('checks the bot token at start-up, and refuses to start with a wrong one', async () => {
    expect(fake.calls.filter((c) => c.method === 'auth.test').map((c) => c.response)).toEqual([expect.objectContaining({ ok: true })]);
    const wrong: Core = { ...core, config: { ...core.config, slack: { ...core.config.slack, botToken: 'xoxb-wrong' } } };
    await expect(startSlackBot(wrong, options())).rejects.toThrow(/invalid_auth/);
  });

  it('acknowledges a signed /whisper at once and answers it privately', async () => {
    const delivery = await fake.slashCommand({ user: alice, text: 'help' });
    expect(delivery).toMatchObject({ via: 'http', status: 200, body: '' });
    const { body } = await responseTo(delivery.responseId);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('`/whisper <link>`');
  });

  it('rejects a wrong signature, a stale timestamp and an unsigned request without running anything', async () => {
    const now = Math.floor(Date.now() / 1000);
    const wrong = await fake.slashCommand({ user: alice, text: 'help' }, { signature: `v0=${'0'.repeat(64)}` });
    const stale = await fake.slashCommand({ user: alice, text: 'help' }, { timestamp: now - 6 * 60 }); // signed right, 6 minutes old
    const unsigned = await fake.slashCommand({ user: alice, text: 'help' }, { signature: null });
    expect([wrong.status, stale.status, unsigned.status]).toEqual([401, 401, 401]);

    // A good request after them is answered; the rejected ones never were.
    const good = await fake.slashCommand({ user: alice, text: 'help' });
    await responseTo(good.responseId);
    const answered = new Set(fake.responses.map((r) => r.id));
    expect([wrong, stale, unsigned].map((d) => answered.has(d.responseId))).toEqual([false, false, false]);
  });
});

describe('Socket Mode', () => {
  let bot: SlackBot;

  beforeAll(async () => {
    const socketCore: Core = { ...core, config: { ...core.config, slack: { ...core.config.slack, appToken: fake.appToken } } };
    bot = await startSlackBot(socketCore, options());
    running.push(bot);
  });

  it('opens the connection through apps.connections.open with the app-level token', () => {
    expect(bot.port).toBeNull();
    expect(fake.calls.filter((c) => c.method === 'apps.connections.open').map((c) => c.status)).toEqual([200]);
    expect(fake.socket.opened).toBe(1);
  });

  it('acks an events_api envelope and starts a session from the shared video, downloaded with the bot token', async () => {
    const video = fake.uploadFile({ name: 'standup.mp4', mimetype: 'video/mp4', bytes: await readFile(h.video), user: alice.id });
    const acksBefore = fake.socket.acks.length;
    const delivery = await fake.fileShare({ user: alice, files: [video], stub: true });
    expect(delivery).toMatchObject({ via: 'socket', status: 200 });
    expect(fake.socket.acks.length).toBe(acksBefore + 1);

    const post = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.status === 200);
    const ts = (post.response as { ts: string }).ts;
    expect(post.args).toMatchObject({ channel: fake.channelId, text: expect.stringContaining('standup.mp4') as unknown });
    expect(post.args.thread_ts).toBeUndefined(); // a new message: the root of the session's thread
    expect(fake.calls.some((c) => c.method === 'files.info' && c.args.file === video.id)).toBe(true);

    const user = { platform: 'slack', workspaceId: fake.teamId, externalId: alice.id };
    const session = await vi.waitFor(async () => {
      const [started] = await sessionsOf(core, user);
      if (!started) throw new Error('no session yet');
      return started;
    });
    expect(session).toMatchObject({
      filename: 'standup.mp4',
      sourceKind: 'link',
      origin: { platform: 'slack', workspaceId: fake.teamId, channelId: fake.channelId, threadRef: ts, statusMessageRef: `${fake.channelId}:${ts}` },
    });
    await fake.waitFor(() => fake.downloads.length > 0);
    expect(fake.downloads).toEqual([{ fileId: video.id, authorized: true }]);
  });

  it('acks a slash command envelope and answers through its response URL', async () => {
    const delivery = await fake.slashCommand({ user: alice, text: 'list' });
    expect(delivery.via).toBe('socket');
    const { body } = await responseTo(delivery.responseId);
    expect(body.text).toMatch(/Your and this channel's recent meetings:\n`[0-9a-f-]{36}` standup\.mp4/);
  });
});
