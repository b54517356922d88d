import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from 'discord.js';
import { DiscordChannelMembers } from '../../bot/discord/channel-members.js';
import { createDiscordClient } from '../../bot/discord/client.js';
import type { DiscordContext } from '../../bot/discord/context.js';
import { DiscordPlatform } from '../../bot/discord/discord.platform.js';
import { handleFileDrop } from '../../bot/discord/handlers/file-drop.js';
import type { Core } from '../../core/app.js';
import { displayName } from '../../core/domain/display-name.js';
import type { DiscordAttachment, DiscordFake, FakeMessage, FakeUser, RecordedCall } from '../fakes/discord-fake.js';
import { startDiscordBotFixture, type ChatBotFixture } from '../helpers/chat-bot-fixture.js';
import { type HeldSessions, holdSessions, sessionsOf } from '../helpers/sessions.js';
import { until } from '../helpers/until.js';

/**
 * Hostile input through Discord: a dropped file named to break markdown and ping everyone, received by
 * two bot replicas; a person over the limit of sessions in progress at once.
 */

const LIMIT = 2;
const alice: FakeUser = { id: '300000000000000001', username: 'alice' };
const carol: FakeUser = { id: '300000000000000003', username: 'carol' };

let bot: ChatBotFixture<DiscordFake>;
let fake: DiscordFake;
let core: Core;

beforeAll(async () => {
  bot = await startDiscordBotFixture({ MAX_ACTIVE_SESSIONS_PER_USER: String(LIMIT) });
  fake = bot.fake;
  core = bot.h.core;
});

afterAll(() => bot?.close());

const bodyOf = (c: RecordedCall) => (c.body ?? {}) as { content?: string; name?: string; allowed_mentions?: unknown; message_reference?: { message_id: string } };
const discordUser = (u: FakeUser) => ({ platform: 'discord', workspaceId: fake.guildId, externalId: u.id });
const sessionsOfUser = (u: FakeUser) => sessionsOf(core, discordUser(u), 100);
/**
 * Another bot process on the same token: every gateway session receives every message. (The fake serves one
 * gateway session at a time, and one discord.js client ignores a message id it has already seen, so the
 * second replica is its handler, wired as bot/discord/index.ts wires it, given the same message.)
 */
function secondReplica(): DiscordContext {
  const client = createDiscordClient(bot.h.config.discord);
  const rest = client.rest.setToken(fake.token);
  return {
    linkFor: () => null,
    todos: core.todos.service,
    notes: core.notes,
    todosChanged: async () => undefined,
    askWhoSpoke: async () => 'not-found',
    sessions: core.sessionService,
    members: new DiscordChannelMembers(client),
    speakers: core.speakers,
    questions: core.questions,
    platform: new DiscordPlatform(rest, core.log),
    rest,
    claims: core.chatEventClaims,
    maxMediaBytes: bot.h.config.ingest.maxMediaBytes,
    log: core.log,
  };
}

/** The fake's MESSAGE_CREATE payload as the parts of a discord.js Message the handler reads. */
function asMessage(m: FakeMessage, files: DiscordAttachment[]): Message {
  const attachments = new Map(files.map((a) => [a.id, { id: a.id, name: a.filename, contentType: a.content_type ?? null, size: a.size, url: a.url }]));
  return {
    id: m.id,
    author: { ...alice, bot: false },
    inGuild: () => true,
    guildId: fake.guildId,
    channelId: m.channel_id,
    channel: { isThread: () => false },
    attachments,
  } as unknown as Message;
}

const repliesTo = (messageId: string) => fake.calls.filter((c) => c.method === 'POST' && bodyOf(c).message_reference?.message_id === messageId);
const replyOf = (i: { token: string }, match: RegExp) =>
  fake.waitForCall((c) => c.method === 'PATCH' && c.path === `/webhooks/${fake.applicationId}/${i.token}/messages/@original` && match.test(bodyOf(c).content ?? ''));

describe('a dropped file with a hostile name, seen by two bot replicas', () => {
  const raw = '<@&1234> @everyone **[Open the status page](evil.example)**\n# big\u202Egpj.mp4';
  const clean = displayName(raw)!;
  let drop: FakeMessage;
  let attachment: DiscordAttachment;

  it('starts one session: the second replica starts nothing for it, yet handles a new message', async () => {
    attachment = fake.upload({ name: raw, bytes: bot.video, contentType: 'video/mp4' });
    drop = fake.messageCreate({ author: alice, attachments: [attachment] });
    await fake.waitForCall((c) => bodyOf(c).message_reference?.message_id === drop.id);
    await until('the first session', async () => (await sessionsOfUser(alice)).length === 1);

    const replicaB = secondReplica();
    await handleFileDrop(replicaB, asMessage(drop, [attachment]));
    expect(repliesTo(drop.id)).toHaveLength(1);
    expect(await sessionsOfUser(alice)).toHaveLength(1);

    const other = { ...drop, id: `${BigInt(drop.id) + 1_000_000n}` };
    await handleFileDrop(replicaB, asMessage(other, [fake.upload({ name: 'another.mp4', bytes: bot.video, contentType: 'video/mp4' })]));
    expect(repliesTo(other.id)).toHaveLength(1);
    expect((await sessionsOfUser(alice)).map((s) => s.filename).sort()).toEqual(['another.mp4', clean].sort());
  });

  it('shows the name as literal text that pings no one, everywhere the bot writes it', async () => {
    const [status] = repliesTo(drop.id);
    const content = bodyOf(status!).content!;
    expect(content.split('\n')[0]).toBe('🎙️ **\\<\\@&1234\\> \\@everyone \\*\\*\\[Open the status page\\]\\(evil.example\\)\\*\\* \\# biggpj.mp4**');
    // The thread's name is plain text (Discord renders no markdown there): the cleaned name itself.
    const thread = await fake.waitForCall((c) => c.method === 'POST' && c.path === `/channels/${fake.channelId}/messages/${(status!.response as FakeMessage).id}/threads`);
    expect(bodyOf(thread).name).toBe(clean);

    const session = (await sessionsOfUser(alice)).find((s) => s.filename === clean)!;
    expect((await bot.h.finalState(session.id, 30_000)).status).toBe('COMPLETED');
    // Every message the bot posted or edited in a channel said: no mentions.
    const messages = fake.calls.filter((c) => /^\/channels\/\d+\/messages(\/\d+)?$/.test(c.path) && (c.method === 'POST' || c.method === 'PATCH'));
    expect(messages.length).toBeGreaterThan(3);
    expect(messages.filter((c) => JSON.stringify(bodyOf(c).allowed_mentions) !== '{"parse":[]}')).toEqual([]);
  });
});

describe('a person with too many recordings in progress', () => {
  let held: HeldSessions;

  beforeAll(async () => {
    const origin = { platform: 'discord' as const, workspaceId: fake.guildId, channelId: fake.channelId, threadRef: null, statusMessageRef: null };
    held = await holdSessions(core, await core.users.resolve(discordUser(carol)), origin, LIMIT);
  });

  afterAll(() => held?.release());

  it('is told why `/whisper link:` did not start, privately, and the status message says so too', async () => {
    const command = fake.slashCommand({ user: carol, options: [{ name: 'link', type: 3, value: `${bot.links.url}/standup.mp4` }] });
    const reply = await replyOf(command, /❌/);
    expect(bodyOf(reply)).toMatchObject({
      content:
        `❌ You already have ${LIMIT} recordings in progress, as many as one person may have at once. ` +
        'Wait for one to finish, or stop one with `/whisper action:cancel id:<id>` (`/whisper action:list` shows them), then try again.',
      allowed_mentions: { parse: [] },
    });
    const status = [...fake.messages.values()].find((m) => m.content.includes('standup.mp4') && m.content.includes('You already have'));
    expect(status?.content).toContain('❌ You already have 2 recordings in progress');
    expect(await sessionsOfUser(carol)).toHaveLength(LIMIT);
  });
});
