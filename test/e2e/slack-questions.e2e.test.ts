import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../core/app.js';
import { formatTimestamp, storedTranscriptSchema } from '../../core/domain/transcript.js';
import { statusPageUrl } from '../../core/links.js';
import { replies } from '../fakes/openai-fake.js';
import type { FakeSlackUser, SlackFake } from '../fakes/slack-fake.js';
import { startSlackBotFixture, type ChatBotFixture } from '../helpers/chat-bot-fixture.js';
import { isPost, meeting } from '../helpers/slack-thread.js';

let bot: ChatBotFixture<SlackFake>;
let fake: SlackFake;
let core: Core;
let alice: FakeSlackUser;
let bob: FakeSlackUser;
let carol: FakeSlackUser;

beforeAll(async () => {
  bot = await startSlackBotFixture();
  fake = bot.fake;
  core = bot.h.core;
  alice = fake.addUser({ id: 'U0ALICE', name: 'alice' });
  bob = fake.addUser({ id: 'U0BOB', name: 'bob' });
  carol = fake.addUser({ id: 'U0CAROL', name: 'carol', channels: [fake.outsideChannelId] });
});
afterAll(async () => {
  await bot?.close();
});

/** The bot's reply in the thread `threadTs` that quotes `question`. */
const replyTo = (threadTs: string, question: string) =>
  fake.waitFor(() => fake.calls.find((c) => isPost(c) && c.args.thread_ts === threadTs && String(c.args.text).startsWith(`> ${question}`)));

describe('asking the bot about a meeting in its thread', () => {
  it('answers a mention in the thread from that meeting, citing a real moment as a link to the page at that line; an invented one never reaches the chat', async () => {
    const { sessionId, statusTs } = await meeting(bot, alice, 'pricing.mp4');
    const transcript = storedTranscriptSchema.parse(await core.store.getJson(core.layout.transcript(sessionId)));
    const second = transcript.segments[1];
    bot.h.openai.script('chat', replies.answer('We start at ten euros a seat [999].', [second!.id, 999_999]));

    await fake.mention({ user: bob, text: 'what did we decide about pricing?', threadTs: statusTs });
    const reply = await replyTo(statusTs, 'what did we decide about pricing?');

    const page = statusPageUrl(core.config.web.publicBaseUrl, sessionId, core.config.web.linkSecret!);
    expect(reply.args.text).toBe(`> what did we decide about pricing?\nWe start at ten euros a seat.\nFrom <${page}#seg-${second!.id}|${formatTimestamp(second!.start)}>`);
    expect(fake.calls.filter(isPost).some((c) => JSON.stringify(c.args).includes('999999'))).toBe(false);
    expect(await core.questions.list(sessionId)).toEqual([
      expect.objectContaining({ question: 'what did we decide about pricing?', askedBy: 'U0BOB', citations: [{ segment: second!.id, start: second!.start }] }),
    ]);
  });

  it('says plainly when the meeting does not answer, and refuses an empty question, asking nothing', async () => {
    const { sessionId, statusTs } = await meeting(bot, alice, 'retro.mp4');
    bot.h.openai.script('chat', replies.answer('', [], false));
    await fake.mention({ user: bob, text: 'who won the football?', threadTs: statusTs });
    expect((await replyTo(statusTs, 'who won the football?')).args.text).toBe('> who won the football?\nThe meeting does not say.');

    const asked = bot.h.openai.requests.length;
    await fake.mention({ user: bob, text: '  ', threadTs: statusTs });
    const empty = await fake.waitFor(() => fake.calls.find((c) => isPost(c) && c.args.thread_ts === statusTs && String(c.args.text).includes('The question is empty')));
    expect(empty.args.text).toBe('❌ The question is empty: ask something about the meeting.');
    expect(bot.h.openai.requests.length).toBe(asked);
    expect(await core.questions.list(sessionId)).toHaveLength(1);
  });

  it('tells a mention outside a meeting’s thread, or in the thread of a deleted meeting, where to ask', async () => {
    const { sessionId, statusTs } = await meeting(bot, alice, 'gone.mp4');
    await core.sessionService.delete(sessionId, { platform: 'slack', workspaceId: fake.teamId, externalId: alice.id }, false);
    await fake.mention({ user: bob, text: 'what was decided?', threadTs: statusTs });
    const gone = await fake.waitFor(() => fake.calls.find((c) => isPost(c) && c.args.thread_ts === statusTs && String(c.args.text).includes('no meeting of mine')));
    expect(gone.args.text).toBe('This thread has no meeting of mine (or its meeting was deleted): mention me with your question in the thread of a meeting I posted.');

    const { ts } = await fake.mention({ user: bob, text: 'what was decided?' });
    const outside = await fake.waitFor(() => fake.calls.find((c) => isPost(c) && c.args.thread_ts === ts));
    expect(outside.args.text).toContain('no meeting of mine');
  });

  it('answers `/whisper ask <id> <question>` to whoever typed it alone, if they shared it or are in its channel', async () => {
    const { sessionId } = await meeting(bot, alice, 'planning.mp4');
    const transcript = storedTranscriptSchema.parse(await core.store.getJson(core.layout.transcript(sessionId)));
    const cited = transcript.segments[0]!;
    bot.h.openai.script('chat', replies.answer('We ship in July.', [cited.id, 424_242]));
    const asked = await fake.slashCommand({ user: bob, text: `ask ${sessionId} when do we ship?` });
    const page = statusPageUrl(core.config.web.publicBaseUrl, sessionId, core.config.web.linkSecret!);
    const answer = await fake.waitFor(() => fake.responses.find((r) => r.id === asked.responseId));
    expect(answer.body).toEqual({ response_type: 'ephemeral', text: `> when do we ship?\nWe ship in July.\nFrom <${page}#seg-${cited.id}|${formatTimestamp(cited.start)}>` });

    const since = bot.h.openai.requests.length;
    const outsider = await fake.slashCommand({ user: carol, text: `ask ${sessionId} when do we ship?` });
    const refused = await fake.waitFor(() => fake.responses.find((r) => r.id === outsider.responseId));
    expect(refused.body.text).toBe(`Only the person who shared this recording and the members of <#${fake.channelId}> can ask about it.`);
    expect(bot.h.openai.requests.length).toBe(since);
    expect(await core.questions.list(sessionId)).toHaveLength(1);
  });
});
