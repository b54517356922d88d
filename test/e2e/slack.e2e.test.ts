import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTION_BLOCK, MODEL_BLOCK, REGENERATE_ACTION, REGENERATE_VIEW } from '../../bot/slack/blocks/regenerate-modal.js';
import { RETRY_ACTION } from '../../bot/slack/blocks/status-message.js';
import { TODO_ACTION } from '../../bot/slack/blocks/todo-checkboxes.js';
import type { Core } from '../../core/app.js';
import { todosDocumentSchema } from '../../core/domain/todos.js';
import { statusPageUrl } from '../../core/links.js';
import { replies } from '../fakes/openai-fake.js';
import type { FakeSlackMessage, FakeSlackUser, SlackCall, SlackFake } from '../fakes/slack-fake.js';
import { startSlackBotFixture, type ChatBotFixture } from '../helpers/chat-bot-fixture.js';
import { startForbiddenTarget } from '../helpers/link-servers.js';
import { until } from '../helpers/until.js';

const MAX_MEDIA_BYTES = 3_000_000;

let bot: ChatBotFixture<SlackFake>;
let fake: SlackFake;
let core: Core;
let forbidden: { url: string; connections: number; close(): Promise<void> };
let alice: FakeSlackUser;
let bob: FakeSlackUser;
let admin: FakeSlackUser;

beforeAll(async () => {
  bot = await startSlackBotFixture({ MAX_MEDIA_BYTES: String(MAX_MEDIA_BYTES) });
  forbidden = await startForbiddenTarget();
  fake = bot.fake;
  core = bot.h.core;
  alice = fake.addUser({ id: 'U0ALICE', name: 'alice', tz: 'Asia/Tokyo' });
  bob = fake.addUser({ id: 'U0BOB', name: 'bob' });
  admin = fake.addUser({ id: 'U0ADMIN', name: 'admin', isAdmin: true });
});

afterAll(async () => {
  await Promise.all([bot?.close(), forbidden?.close()]);
});

/** Every text in a message's blocks, joined: what a person reads. */
function shown(m: { blocks?: unknown }): string {
  const texts: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') texts.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks);
  return texts.join('\n');
}

interface Checkboxes {
  blockId: string;
  options: string[];
  ticked: string[];
}

function checkboxesOf(m: FakeSlackMessage): Checkboxes[] {
  type Element = { type: string; action_id: string; options: Array<{ value: string }>; initial_options?: Array<{ value: string }> };
  return (m.blocks as Array<{ type: string; block_id?: string; elements?: Element[] }>).flatMap((b) =>
    (b.elements ?? [])
      .filter((e) => e.type === 'checkboxes' && e.action_id === TODO_ACTION)
      .map((e) => ({ blockId: b.block_id!, options: e.options.map((o) => o.value), ticked: (e.initial_options ?? []).map((o) => o.value) })),
  );
}

const isPost = (c: SlackCall) => c.method === 'chat.postMessage' && c.status === 200;
const postedTs = (c: SlackCall) => (c.response as { ts: string }).ts;
/** The first message the bot posted after the `index`th recorded call. */
const postedSince = (index: number) => fake.waitFor(() => fake.calls.slice(index).find(isPost));
const editsOf = (ts: string) => fake.calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts);
const statusMessage = (ts: string) => fake.message(fake.channelId, ts)!;
const responseTo = (id: string, match: RegExp) => fake.waitFor(() => fake.responses.find((r) => r.id === id && match.test(r.body.text ?? '')));
const storedTodos = async (sessionId: string) => todosDocumentSchema.parse(await core.store.getJson(core.layout.todos(sessionId)));

/** Waits for the status message to say it is done, then for the results in its thread. */
async function finished(statusTs: string): Promise<FakeSlackMessage[]> {
  await fake.waitFor(() => /✅ Done/.test(shown(statusMessage(statusTs))), 30_000);
  return fake.waitFor(() => {
    const replies = fake.threadOf(fake.channelId, statusTs);
    return replies.length >= 1 && replies;
  });
}

describe('a video dropped in a channel', () => {
  let statusTs: string;
  let results: FakeSlackMessage;
  let sessionId: string;
  let before: Checkboxes;

  it('gets a thread whose status message is edited through the stages, then the summary and todos as checkboxes', async () => {
    const file = fake.uploadFile({ name: 'standup.mp4', mimetype: 'video/mp4', bytes: bot.video, user: alice.id });
    const drop = await fake.fileShare({ user: alice, files: [file], stub: true });
    expect(drop).toMatchObject({ via: 'http', status: 200 });

    const post = await fake.waitForCall((c) => isPost(c) && shown(c.args).includes('standup.mp4'));
    statusTs = postedTs(post);
    expect(post.args.thread_ts).toBeUndefined(); // the status message is the root of a new thread
    const [reply, ...more] = [...(await finished(statusTs))];
    expect(more).toEqual([]);
    results = reply!;

    // Stub → files.info → downloaded once, with the bot token.
    expect(fake.calls.some((c) => c.method === 'files.info' && c.args.file === file.id)).toBe(true);
    expect(fake.downloads).toEqual([{ fileId: file.id, authorized: true }]);

    // The notifier records the results' refs right after posting them.
    const session = await until('the results refs to be stored', async () => {
      const [s] = await core.sessionService.listForUser({ platform: 'slack', workspaceId: fake.teamId, externalId: alice.id });
      return s && s.resultsMessageRefs.length > 0 ? s : null;
    });
    sessionId = session.id;
    expect(session).toMatchObject({
      status: 'COMPLETED',
      filename: 'standup.mp4',
      origin: { platform: 'slack', workspaceId: fake.teamId, channelId: fake.channelId, threadRef: statusTs, statusMessageRef: `${fake.channelId}:${statusTs}` },
      timeZone: 'Asia/Tokyo', // users.info: due dates are read in the person's zone
      resultsMessageRefs: [`${fake.channelId}:${results.ts}`],
    });

    // The status message moved forward in place: progress bars, then done with the status-page button.
    const edits = editsOf(statusTs).filter((c) => c.status === 200);
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.some((c) => /▓*░+ \d+%/.test(shown(c.args)))).toBe(true);
    const final = edits.at(-1)!.args;
    expect(shown(final)).toMatch(/✅ Done/);
    expect(JSON.stringify(final.blocks)).toContain(JSON.stringify(statusPageUrl(bot.h.config.web.publicBaseUrl, sessionId, bot.h.config.web.linkSecret!)));

    // In the thread: the summary, then every todo as an unticked checkbox.
    const todos = await storedTodos(sessionId);
    expect(todos.metadata.time_zone).toBe('Asia/Tokyo');
    expect(results.thread_ts).toBe(statusTs);
    expect(shown(results)).toContain(todos.summary);
    const boxes = checkboxesOf(results);
    expect(boxes.flatMap((b) => b.options)).toEqual(todos.todos.map((t) => t.id));
    expect(boxes.flatMap((b) => b.ticked)).toEqual([]);
    expect(shown(results)).toContain(`1. ${todos.todos[0]!.task}`);
    expect(todos.todos.length).toBeGreaterThanOrEqual(2);
    before = boxes[0]!;
  });

  it('ticks a todo from its checkbox: acknowledged, saved in todos.json and re-rendered, through a 429', async () => {
    fake.rateLimit('chat.update', 1);
    const click = await fake.checkboxes({ user: bob, message: results, blockId: before.blockId, actionId: TODO_ACTION, selected: ['1'] });
    expect(click).toMatchObject({ status: 200, body: '' });

    await fake.waitFor(() => checkboxesOf(results)[0]!.ticked.includes('1'));
    expect(editsOf(results.ts).map((c) => c.status)).toEqual([429, 200]); // the client waited out Retry-After and retried
    const todos = await storedTodos(sessionId);
    expect(todos.todos[0]).toMatchObject({ completed: true, completed_by: 'bob' });
    expect(todos.todos.slice(1).every((t) => !t.completed)).toBe(true);
    expect(shown(results)).toContain(`*Todos* · 1 of ${todos.todos.length} done`);
  });

  it('keeps a tick made meanwhile by someone else when a click comes from a stale view', async () => {
    // Alice's view still shows nothing ticked; she ticks todo 2. Bob's tick of todo 1 must survive.
    await fake.checkboxes({ user: alice, message: results, blockId: before.blockId, actionId: TODO_ACTION, selected: ['2'] });
    await fake.waitFor(() => checkboxesOf(results)[0]!.ticked.includes('2'));
    const todos = await storedTodos(sessionId);
    expect(todos.todos.slice(0, 2).map((t) => [t.completed, t.completed_by])).toEqual([
      [true, 'bob'],
      [true, 'alice'],
    ]);
  });

  it('unticks, and shows a change made on the status page (or anywhere else) in the thread', async () => {
    const now = checkboxesOf(results)[0]!;
    await fake.checkboxes({ user: alice, message: results, blockId: now.blockId, actionId: TODO_ACTION, selected: now.ticked.filter((id) => id !== '2') });
    await fake.waitFor(() => !checkboxesOf(results)[0]!.ticked.includes('2'));

    // What PATCH /api/sessions/:id/todos/:todoId does: the shared service saves and announces the change.
    await core.todos.service.setCompleted(sessionId, '1', false, null);
    await fake.waitFor(() => checkboxesOf(results)[0]!.ticked.length === 0);
    expect((await storedTodos(sessionId)).todos.every((t) => !t.completed)).toBe(true);
  });

  it('shows a speaker named anywhere (the page, the CLI) in the thread, as the todo owner', async () => {
    const owner = (await storedTodos(sessionId)).todos.find((t) => t.assignee?.startsWith('SPEAKER_'))!.assignee!;
    const editsBefore = editsOf(results.ts).length;
    // What the page's speaker form and `whisper-notes speakers` do: the shared service saves and announces.
    await core.speakers.nameSpeakers(sessionId, { [owner]: 'Maria' }, null);
    await fake.waitFor(() => editsOf(results.ts).slice(editsBefore).find((c) => c.status === 200 && shown(c.args as { blocks?: unknown }).includes('👤 Maria')));
    expect(shown(results)).toContain('👤 Maria');
    expect(shown(results)).not.toContain(`👤 ${owner}`);
  });

  it('regenerates its notes from the Regenerate button: a modal, then the results message edited in place with the tick kept, never posted again', async () => {
    await core.todos.service.setCompleted(sessionId, '2', true, 'bob');
    await fake.waitFor(() => checkboxesOf(results)[0]!.ticked.includes('2'));
    const posts = fake.calls.filter(isPost).length;
    const statusEdits = editsOf(statusTs).length;
    const chats = bot.h.openai.requests.length;

    expect(await fake.button({ user: bob, message: results, actionId: REGENERATE_ACTION })).toMatchObject({ status: 200, body: '' });
    const view = await fake.waitFor(() => fake.views.find((v) => v.callback_id === REGENERATE_VIEW));
    expect(view.blocks.map((b) => [b.block_id, b.element?.type])).toEqual([
      [INSTRUCTION_BLOCK, 'plain_text_input'],
      [MODEL_BLOCK, 'plain_text_input'],
    ]);
    expect(await fake.submitView({ user: bob, view, values: { [INSTRUCTION_BLOCK]: 'focus on engineering tasks', [MODEL_BLOCK]: null } })).toMatchObject({ status: 200 });
    const reply = await fake.waitForCall((c) => c.method === 'chat.postEphemeral' && c.args.user === bob.id && /Rewriting/.test(String(c.args.text)));
    expect(reply.args).toMatchObject({ channel: fake.channelId, thread_ts: statusTs, text: 'Rewriting the notes: the results message will be updated.' });

    await fake.waitFor(() => shown(results).includes('Summary (version 2)'), 30_000);
    expect(checkboxesOf(results)[0]!.ticked).toEqual(['2']);
    expect((await core.sessionService.get(sessionId))?.notesVersion).toBe(2);
    const asked = bot.h.openai.requests.slice(chats).find((r) => r.chat);
    expect(JSON.stringify(asked?.chat?.messages)).toContain('<request>focus on engineering tasks</request>');
    // The status message showed the rewrite and is done again; nothing was posted a second time.
    await fake.waitFor(() => editsOf(statusTs).slice(statusEdits).some((c) => /✅ Done/.test(shown(c.args))));
    expect(editsOf(statusTs).slice(statusEdits).some((c) => /Rewriting the summary and todos/.test(shown(c.args)))).toBe(true);
    expect(fake.calls.filter(isPost).length).toBe(posts);
  });

  it('can be deleted by its uploader or a workspace admin, not by someone else', async () => {
    const byBob = await fake.slashCommand({ user: bob, text: `delete ${sessionId}` });
    await responseTo(byBob.responseId, /Only the person who shared this recording/);
    expect(await core.sessionService.get(sessionId)).not.toBeNull();
    expect(fake.calls.some((c) => c.method === 'users.info' && c.args.user === bob.id)).toBe(true);

    const byAdmin = await fake.slashCommand({ user: admin, text: `delete ${sessionId}` });
    await responseTo(byAdmin.responseId, /Deleted/);
    expect(await core.sessionService.get(sessionId)).toBeNull();
    expect(await core.store.exists(core.layout.todos(sessionId))).toBe(false);

    // A checkbox left in the thread now tells whoever clicks it, and only them.
    await fake.checkboxes({ user: bob, message: results, blockId: checkboxesOf(results)[0]!.blockId, actionId: TODO_ACTION, selected: ['1'] });
    const note = await fake.waitForCall((c) => c.method === 'chat.postEphemeral' && String(c.args.text).startsWith('❌'));
    expect(note.args).toMatchObject({ channel: fake.channelId, user: bob.id, thread_ts: statusTs, text: '❌ This meeting no longer exists.' });
  });
});

describe('a recording whose notes could not be written', () => {
  it('gets a Retry button on its failure message: refused to someone else, run again from its transcript for its uploader', async () => {
    bot.h.openai.always('chat', replies.unauthorized());
    const transcriptions = bot.h.whisperx.requests.length;
    const file = fake.uploadFile({ name: 'retro.mp4', mimetype: 'video/mp4', bytes: bot.video, user: alice.id });
    await fake.fileShare({ user: alice, files: [file] });
    const statusTs = postedTs(await fake.waitForCall((c) => isPost(c) && shown(c.args).includes('retro.mp4')));
    const failed = await fake.waitFor(() => JSON.stringify(statusMessage(statusTs).blocks).includes(RETRY_ACTION) && statusMessage(statusTs), 30_000);
    expect(shown(failed)).toMatch(/OPENAI_API_KEY/);
    bot.h.openai.always('chat', null);
    const [session] = await core.sessionService.listForUser({ platform: 'slack', workspaceId: fake.teamId, externalId: alice.id });
    expect(session).toMatchObject({ filename: 'retro.mp4', status: 'FAILED' });

    expect(await fake.button({ user: bob, message: failed, actionId: RETRY_ACTION })).toMatchObject({ status: 200, body: '' });
    const refusal = await fake.waitForCall((c) => c.method === 'chat.postEphemeral' && c.args.user === bob.id && /retry it/.test(String(c.args.text)));
    expect(refusal.args).toMatchObject({ channel: fake.channelId, thread_ts: statusTs, text: 'Only the person who shared this recording, or an admin, can retry it.' });
    expect((await core.sessionService.get(session!.id))?.status).toBe('FAILED');

    await fake.button({ user: alice, message: failed, actionId: RETRY_ACTION });
    const started = await fake.waitForCall((c) => c.method === 'chat.postEphemeral' && c.args.user === alice.id);
    expect(started.args.text).toMatch(/^Trying `[0-9a-f-]+` \(retro\.mp4\) again from its transcript\.$/);
    const [results] = await finished(statusTs);
    expect(checkboxesOf(results!).length).toBeGreaterThan(0);
    expect(JSON.stringify(statusMessage(statusTs).blocks)).not.toContain(RETRY_ACTION);
    expect(bot.h.whisperx.requests.length - transcriptions).toBe(1);
    expect((await core.sessionService.get(session!.id))?.status).toBe('COMPLETED');
  });
});

describe('/whisper <link>', () => {
  it('is acknowledged at once, then runs in a thread under a new status message, to checkboxes', async () => {
    const before = fake.calls.length;
    const command = await fake.slashCommand({ user: alice, text: `<${bot.links.url}/standup.mp4>` }); // as Slack wraps links
    expect(command).toMatchObject({ status: 200, body: '' });

    const post = await postedSince(before);
    expect(post.args.thread_ts).toBeUndefined();
    const statusTs = postedTs(post);
    const [results] = await finished(statusTs);
    expect(checkboxesOf(results!).length).toBeGreaterThan(0);

    const mine = await core.sessionService.listForUser({ platform: 'slack', workspaceId: fake.teamId, externalId: alice.id });
    expect(mine.find((s) => s.origin.threadRef === statusTs)).toMatchObject({ status: 'COMPLETED', sourceKind: 'link', filename: 'standup.mp4' });
    expect(shown(statusMessage(statusTs))).toContain('standup.mp4');
  });
});

describe('bad input', () => {
  it('ignores files that are not recordings, without a word', async () => {
    const before = fake.calls.length;
    const pdf = fake.uploadFile({ name: 'agenda.pdf', mimetype: 'application/pdf', bytes: Buffer.from('%PDF-1.4 agenda') });
    await fake.fileShare({ user: alice, files: [pdf], stub: true });
    await fake.waitForCall((c) => c.method === 'files.info' && c.args.file === pdf.id);
    // A command after it: once it is answered, the share before it has been handled too.
    const help = await fake.slashCommand({ user: alice, text: 'help' });
    await responseTo(help.responseId, /\/whisper <link>/);
    const posts = fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral');
    expect(posts).toEqual([]);
    expect(fake.downloads.map((d) => d.fileId)).not.toContain(pdf.id);
  });

  it('refuses a video over the size cap with a clear reply in its thread, before downloading it', async () => {
    const big = fake.uploadFile({ name: 'allhands.mp4', mimetype: 'video/mp4', bytes: bot.video, size: 5_000_000_000 });
    const drop = await fake.fileShare({ user: alice, files: [big] });
    const reply = await fake.waitForCall((c) => isPost(c) && c.args.thread_ts === drop.ts);
    expect(reply.args.text).toMatch(/allhands\.mp4: This file is 5\.0 GB; the limit is 3\.0 MB/);
    expect(fake.downloads.map((d) => d.fileId)).not.toContain(big.id);
  });

  it('answers a private-network link in its thread and never connects to it', async () => {
    const before = fake.calls.length;
    await fake.slashCommand({ user: bob, text: forbidden.url });
    const post = await postedSince(before);
    await fake.waitFor(() => /❌ That link points to a private or internal network address/.test(shown(statusMessage(postedTs(post)))));
    expect(forbidden.connections).toBe(0);
  });

  it('answers a dead link in its thread, with no Retry button: nothing was stored to start again from', async () => {
    const before = fake.calls.length;
    await fake.slashCommand({ user: bob, text: `${bot.links.url}/gone.mp4` });
    const post = await postedSince(before);
    await fake.waitFor(() => /❌ Nothing was found at that link \(HTTP 404\)/.test(shown(statusMessage(postedTs(post)))));
    expect(JSON.stringify(statusMessage(postedTs(post)).blocks)).not.toContain(RETRY_ACTION);
  });

  it('answers an unknown subcommand with what it does not know and the help', async () => {
    const command = await fake.slashCommand({ user: bob, text: 'frobnicate now' });
    const { body } = await responseTo(command.responseId, /I don't know `frobnicate`/);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('`/whisper <link>`');
  });

  it('asks to be invited when /whisper is used in a channel the bot is not in', async () => {
    const command = await fake.slashCommand({ user: bob, text: `${bot.links.url}/standup.mp4`, channelId: fake.outsideChannelId });
    await responseTo(command.responseId, /I can't post in this channel\. Add me with `\/invite @Whisper Notes`/);
    const mine = await core.sessionService.listForUser({ platform: 'slack', workspaceId: fake.teamId, externalId: bob.id });
    expect(mine.some((s) => s.origin.channelId === fake.outsideChannelId)).toBe(false);
  });
});
