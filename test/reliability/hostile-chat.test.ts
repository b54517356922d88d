import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../core/app.js';
import { displayName, MAX_DISPLAY_NAME } from '../../core/domain/display-name.js';
import { INSTRUCTION_BLOCK, MODEL_BLOCK, regenerateModal } from '../../bot/slack/blocks/regenerate-modal.js';
import type { FakeSlackFile, FakeSlackUser, FakeSlackView, SlackCall, SlackFake } from '../fakes/slack-fake.js';
import { startSlackBotFixture, type ChatBotFixture } from '../helpers/chat-bot-fixture.js';
import { sessionObjects } from '../helpers/s3-server.js';
import { type HeldSessions, holdSessions, sessionsOf, uploadingSession } from '../helpers/sessions.js';
import { until } from '../helpers/until.js';

/**
 * Hostile input through Slack, in HTTP mode (signed requests): a dropped file named to break paths,
 * terminals and markup; signed events delivered again (a replay, Slack's own retry); a person over the
 * limit of sessions in progress at once, starting, retrying or regenerating.
 */

const LIMIT = 2;

let bot: ChatBotFixture<SlackFake>;
let fake: SlackFake;
let core: Core;
let alice: FakeSlackUser;
let bob: FakeSlackUser;
let carol: FakeSlackUser;
let dave: FakeSlackUser;

beforeAll(async () => {
  bot = await startSlackBotFixture({ MAX_ACTIVE_SESSIONS_PER_USER: String(LIMIT) });
  fake = bot.fake;
  core = bot.h.core;
  const person = (name: string) => fake.addUser({ id: `U0${name.toUpperCase()}`, name });
  [alice, bob, carol, dave] = [person('alice'), person('bob'), person('carol'), person('dave')];
});

afterAll(() => bot?.close());

const slackUser = (u: FakeSlackUser) => ({ platform: 'slack', workspaceId: fake.teamId, externalId: u.id });
const sessionsOfUser = (u: FakeSlackUser) => sessionsOf(core, slackUser(u), 100);
const isPost = (c: SlackCall) => c.method === 'chat.postMessage' && c.status === 200;
/** Status messages posted for a file, by the name they show. */
const statusPostsFor = (shown: string) => fake.calls.filter((c) => isPost(c) && JSON.stringify(c.args.blocks ?? '').includes(shown));
const statusBlocks = (c: SlackCall) => JSON.stringify(fake.message(String(c.args.channel), (c.response as { ts: string }).ts)!.blocks);

/** Drops a file and waits for its status message: the drop has been handled. */
async function dropAndWait(user: FakeSlackUser, file: FakeSlackFile, shown: string): Promise<SlackCall> {
  await fake.fileShare({ user, files: [file], stub: true });
  return fake.waitForCall((c) => isPost(c) && JSON.stringify(c.args.blocks ?? '').includes(shown));
}

describe('a file with a hostile name', () => {
  const raw = `../../etc/passwd\u0000 <!channel> @everyone\n\u001b[31m\u202Egpj.${'x'.repeat(5000)}.mp4`;
  const clean = displayName(raw)!;

  it('is shown cleaned and escaped, stored under the session id only, and processed', async () => {
    expect(clean.startsWith('passwd <!channel> @everyone gpj.xxx')).toBe(true);
    const file = fake.uploadFile({ name: raw, mimetype: 'video/mp4', bytes: bot.video, user: dave.id });
    const post = await dropAndWait(dave, file, 'passwd &lt;!channel&gt; @everyone gpj.');

    // The status message: escaped (no `<!channel>` markup left to ping anyone), verbatim, nothing invisible.
    const title = (post.args.blocks as Array<{ text: { text: string; verbatim?: boolean } }>)[0]!.text;
    expect(title.verbatim).toBe(true);
    expect(title.text.startsWith('🎙️ *passwd &lt;!channel&gt; @everyone gpj.xxx')).toBe(true);
    expect(title.text).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(JSON.stringify(post.args)).not.toContain('<!channel>');
    expect(JSON.stringify(post.args)).not.toMatch(/\\u00|etc\//);

    const [session] = await until('the session', async () => {
      const sessions = await sessionsOfUser(dave);
      return sessions.length > 0 && sessions;
    });
    expect(session!.filename).toBe(clean);
    expect(Array.from(session!.filename!)).toHaveLength(MAX_DISPLAY_NAME);
    const done = await bot.h.finalState(session!.id, 30_000);
    expect(done.status).toBe('COMPLETED');

    // Object keys come from the session id and the sniffed type, never from the name.
    const { videos, transcripts } = bot.h.config.s3.buckets;
    expect(done.videoPath).toBe(`${videos}/${session!.id}/original.mp4`);
    expect(await sessionObjects(bot.h.config.s3, session!.id)).toEqual(
      [`${videos}/${session!.id}/original.mp4`, ...['summary', 'todos', 'transcript'].map((n) => `${transcripts}/${session!.id}/${n}.json`)].sort(),
    );
    // Every edit of the status message showed it escaped too.
    await fake.waitFor(() => /✅ Done/.test(statusBlocks(post)));
    const edits = fake.calls.filter((c) => c.method === 'chat.update' && c.args.ts === (post.response as { ts: string }).ts);
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((c) => !/<!channel>/.test(JSON.stringify(c.args)))).toBe(true);
  });
});

describe('a signed event delivered again', () => {
  it('starts one session, whether replayed within the signature window or retried by Slack; another event still works', async () => {
    const file = fake.uploadFile({ name: 'replayed.mp4', mimetype: 'video/mp4', bytes: bot.video, user: alice.id });
    await dropAndWait(alice, file, 'replayed.mp4');
    const original = fake.posted.at(-1)!;

    const replay = await fake.postSigned(original.body, original.contentType, { timestamp: original.timestamp });
    const retry = await fake.postSigned(original.body, original.contentType, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect([replay.status, retry.status]).toEqual([200, 200]); // acknowledged, so Slack stops retrying

    // A different event after them is handled: by then the deliveries before it have been too.
    const other = fake.uploadFile({ name: 'another.mp4', mimetype: 'video/mp4', bytes: bot.video, user: alice.id });
    await dropAndWait(alice, other, 'another.mp4');

    expect(statusPostsFor('replayed.mp4')).toHaveLength(1);
    const mine = await until('both sessions', async () => {
      const sessions = await sessionsOfUser(alice);
      return sessions.length >= 2 && sessions;
    });
    expect(mine.map((s) => s.filename).sort()).toEqual(['another.mp4', 'replayed.mp4']);
    expect(fake.calls.filter((c) => c.method === 'files.info' && c.args.file === file.id)).toHaveLength(1);
  });

  it('a replayed `/whisper <link>` starts one session too', async () => {
    const before = fake.calls.length;
    const command = await fake.slashCommand({ user: bob, text: `${bot.links.url}/standup.mp4` });
    expect(command.status).toBe(200);
    const original = fake.posted.at(-1)!;
    await until('the first session', async () => (await sessionsOfUser(bob)).length === 1);
    await fake.postSigned(original.body, original.contentType, { timestamp: original.timestamp });

    const again = await fake.slashCommand({ user: bob, text: `${bot.links.url}/standup.mp4` }); // a new command, typed again
    expect(again.status).toBe(200);
    await until('the second command’s session', async () => (await sessionsOfUser(bob)).length >= 2);
    await fake.waitFor(() => fake.calls.slice(before).filter(isPost).length >= 2);

    expect(await sessionsOfUser(bob)).toHaveLength(2);
    expect(fake.calls.slice(before).filter(isPost)).toHaveLength(2);
  });
});

describe('a person with too many recordings in progress', () => {
  let held: HeldSessions;

  const origin = () => ({ platform: 'slack' as const, workspaceId: fake.teamId, channelId: fake.channelId, threadRef: null, statusMessageRef: null });

  beforeAll(async () => {
    // Two sessions still uploading (as a slow upload leaves them): carol is at the limit.
    held = await holdSessions(core, await core.users.resolve(slackUser(carol)), origin(), LIMIT);
  });

  afterAll(() => held?.release());

  const sentence =
    `You already have ${LIMIT} recordings in progress, as many as one person may have at once. ` +
    'Wait for one to finish, or stop one with `/whisper cancel &lt;id&gt;` (`/whisper list` shows them), then try again.';

  it('sees why a dropped file was not started, in its status message', async () => {
    const file = fake.uploadFile({ name: 'one-too-many.mp4', mimetype: 'video/mp4', bytes: bot.video, user: carol.id });
    const post = await dropAndWait(carol, file, 'one-too-many.mp4');
    await fake.waitFor(() => statusBlocks(post).includes(`❌ ${sentence}`));
    expect(statusBlocks(post)).not.toMatch(/▓|░/); // no progress bar: nothing is running
    expect(await sessionsOfUser(carol)).toHaveLength(LIMIT);
    expect(fake.downloads.map((d) => d.fileId)).not.toContain(file.id);
  });

  it('is told why `/whisper <link>` did not start, in the reply only they see', async () => {
    const command = await fake.slashCommand({ user: carol, text: `${bot.links.url}/standup.mp4` });
    const { body } = await fake.waitFor(() => fake.responses.find((r) => r.id === command.responseId));
    expect(body).toEqual({ response_type: 'ephemeral', text: `❌ ${sentence}` });
    expect(await sessionsOfUser(carol)).toHaveLength(LIMIT);
  });

  it('is told why `/whisper retry` and the Regenerate form started nothing: their meetings stay as they were', async () => {
    const erin = fake.addUser({ id: 'U0ERIN', name: 'erin' });
    const userId = await core.users.resolve(slackUser(erin));
    const failed = await uploadingSession(core, userId, { origin: origin() });
    await core.sessions.update(failed.id, { status: 'FAILED', videoPath: `video-files/${failed.id}/original.mp4`, errorCode: 'LLM_UNAVAILABLE' });
    const completed = await uploadingSession(core, userId, { origin: origin() });
    await core.sessions.update(completed.id, { status: 'COMPLETED', stage: 'done', percent: 100 });
    await core.store.putJson(core.layout.transcript(completed.id), { segments: [] });
    const erinsHeld = await holdSessions(core, userId, origin(), LIMIT);
    try {
      const command = await fake.slashCommand({ user: erin, text: `retry ${failed.id}` });
      const { body } = await fake.waitFor(() => fake.responses.find((r) => r.id === command.responseId));
      // The one asking may not be who shared it, who alone (or an admin) could stop a recording: no way to stop one is offered.
      const sharers = `Whoever shared this recording already has ${LIMIT} recordings in progress, as many as one person may have at once. Wait for one of them to finish, then try again.`;
      expect(body).toEqual({ response_type: 'ephemeral', text: `❌ ${sharers}` });

      // The form as the Regenerate button opens it: refused in the form itself, in plain text.
      const form = { id: 'V0LIMIT', user: erin, view: regenerateModal({ sessionId: completed.id, channel: fake.channelId, threadTs: null }) as FakeSlackView['view'] };
      const refused = await fake.viewSubmission({ view: form, values: { [INSTRUCTION_BLOCK]: 'in German', [MODEL_BLOCK]: '' } });
      expect(JSON.parse(refused.body)).toEqual({ response_action: 'errors', errors: { [INSTRUCTION_BLOCK]: `❌ ${sharers}` } });

      expect(await core.sessions.get(failed.id)).toMatchObject({ status: 'FAILED', errorCode: 'LLM_UNAVAILABLE' });
      expect(await core.sessions.get(completed.id)).toMatchObject({ status: 'COMPLETED', stage: 'done' });
    } finally {
      await erinsHeld.release();
    }
  });
});
