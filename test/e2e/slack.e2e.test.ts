import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKDOWN_ACTION } from '../../bot/slack/blocks/results-messages.js';
import { NAMES_VIEW, TYPE_NAMES_ACTION } from '../../bot/slack/blocks/speaker-names-modal.js';
import { INSTRUCTION_BLOCK, MODEL_BLOCK, REGENERATE_ACTION, REGENERATE_VIEW } from '../../bot/slack/blocks/regenerate-modal.js';
import { RETRY_ACTION } from '../../bot/slack/blocks/status-message.js';
import { TODO_ACTION } from '../../bot/slack/blocks/todo-checkboxes.js';
import { TODO_ADD_ACTION, TODO_MENU_ACTION } from '../../bot/slack/blocks/todo-menu.js';
import { TODO_ADD_VIEW, TODO_EDIT_VIEW, TODO_INPUTS } from '../../bot/slack/blocks/todo-modal.js';
import type { Core } from '../../core/app.js';
import { TodoChangesRepository } from '../../core/db/todo-changes.repository.js';
import { exportFilename } from '../../core/domain/exports/index.js';
import { summaryDocumentSchema, todosDocumentSchema } from '../../core/domain/todos.js';
import { formatTimestamp, storedTranscriptSchema } from '../../core/domain/transcript.js';
import { statusPageUrl } from '../../core/links.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';
import type { TodoEvent } from '../../core/todos/todo-events.js';
import { buildWebApp } from '../../web/app.js';
import { replies } from '../fakes/openai-fake.js';
import { NOTES, completedSession } from './web-fixture.js';
import type { FakeSlackMessage, FakeSlackUser, SlackFake } from '../fakes/slack-fake.js';
import { startSlackBotFixture, type ChatBotFixture } from '../helpers/chat-bot-fixture.js';
import { startForbiddenTarget } from '../helpers/link-servers.js';
import { checkboxesOf, finished, initialValues, isPost, meeting, postedTs, shown, viewOpened, type Checkboxes, type Meeting } from '../helpers/slack-thread.js';
import { until } from '../helpers/until.js';
import { sessionsOf } from '../helpers/sessions.js';

const MAX_MEDIA_BYTES = 3_000_000;

let bot: ChatBotFixture<SlackFake>;
let fake: SlackFake;
let core: Core;
let forbidden: { url: string; connections: number; close(): Promise<void> };
let alice: FakeSlackUser;
let bob: FakeSlackUser;
let admin: FakeSlackUser;
let carol: FakeSlackUser;
let dave: FakeSlackUser;
let erin: FakeSlackUser;

beforeAll(async () => {
  bot = await startSlackBotFixture({ MAX_MEDIA_BYTES: String(MAX_MEDIA_BYTES) });
  forbidden = await startForbiddenTarget();
  fake = bot.fake;
  core = bot.h.core;
  alice = fake.addUser({ id: 'U0ALICE', name: 'alice', tz: 'Asia/Tokyo' });
  bob = fake.addUser({ id: 'U0BOB', name: 'bob' });
  admin = fake.addUser({ id: 'U0ADMIN', name: 'admin', isAdmin: true });
  carol = fake.addUser({ id: 'U0CAROL', name: 'carol', channels: [fake.outsideChannelId] });
  dave = fake.addUser({ id: 'U0DAVE', name: 'dave' });
  // In the channel, and acts only once: whether she is a member is asked of Slack then, not remembered from before.
  erin = fake.addUser({ id: 'U0ERIN', name: 'erin' });
});

afterAll(async () => {
  await Promise.all([bot?.close(), forbidden?.close()]);
});

/** The first message the bot posted after the `index`th recorded call. */
const postedSince = (index: number) => fake.waitFor(() => fake.calls.slice(index).find(isPost));
const editsOf = (ts: string) => fake.calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts);
const statusMessage = (ts: string) => fake.message(fake.channelId, ts)!;
const responseTo = (id: string, match: RegExp) => fake.waitFor(() => fake.responses.find((r) => r.id === id && match.test(r.body.text ?? '')));
const storedTodos = async (sessionId: string) => todosDocumentSchema.parse(await core.store.getJson(core.layout.todos(sessionId)));
const history = (sessionId: string) => new TodoChangesRepository(core.knex).forSession(sessionId);
const proposedTitle = async (sessionId: string) => summaryDocumentSchema.parse(await core.store.getJson(core.layout.summary(sessionId))).title;

describe('a video dropped in a channel', () => {
  let statusTs: string;
  let results: FakeSlackMessage;
  let sessionId: string;
  /** The checkboxes as first posted, one block per todo: a view that goes stale. */
  let before: Checkboxes[];

  it('gets a thread whose status message is edited through the stages, then the summary and todos as checkboxes', async () => {
    const file = fake.uploadFile({ name: 'standup.mp4', mimetype: 'video/mp4', bytes: bot.video, user: alice.id });
    const drop = await fake.fileShare({ user: alice, files: [file], stub: true });
    expect(drop).toMatchObject({ via: 'http', status: 200 });

    const post = await fake.waitForCall((c) => isPost(c) && shown(c.args).includes('standup.mp4'));
    statusTs = postedTs(post);
    expect(post.args.thread_ts).toBeUndefined(); // the status message is the root of a new thread
    await finished(fake, statusTs);
    // The results, then "Who spoke?" (see 'speakers named from the thread'), and nothing else.
    const [reply, whoSpoke, ...more] = await fake.waitFor(() => {
      const replies = fake.threadOf(fake.channelId, statusTs);
      return replies.length >= 2 && replies;
    });
    expect(more).toEqual([]);
    results = reply!;

    // Stub → files.info → downloaded once, with the bot token.
    expect(fake.calls.some((c) => c.method === 'files.info' && c.args.file === file.id)).toBe(true);
    expect(fake.downloads).toEqual([{ fileId: file.id, authorized: true }]);

    // The notifier records the results' refs right after posting them.
    const session = await until('the results refs to be stored', async () => {
      const [s] = await sessionsOf(core, { platform: 'slack', workspaceId: fake.teamId, externalId: alice.id });
      return s && s.resultsMessageRefs.length === 2 ? s : null;
    });
    sessionId = session.id;
    expect(session).toMatchObject({
      status: 'COMPLETED',
      filename: 'standup.mp4',
      origin: { platform: 'slack', workspaceId: fake.teamId, channelId: fake.channelId, threadRef: statusTs, statusMessageRef: `${fake.channelId}:${statusTs}` },
      timeZone: 'Asia/Tokyo', // users.info: due dates are read in the person's zone
      resultsMessageRefs: [`${fake.channelId}:${results.ts}`, `${fake.channelId}:${whoSpoke!.ts}`],
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
    expect(boxes.map((b) => b.options.length)).toEqual(todos.todos.map(() => 1));
    before = boxes;
  });

  it('is found by `/whisper search` in its channel, to the person alone: the line quoted with its speaker, linking to the page at that second', async () => {
    const transcript = storedTranscriptSchema.parse(await core.store.getJson(core.layout.transcript(sessionId)));
    const said = transcript.segments.find((s) => s.text.includes('Thursday'))!;
    const page = statusPageUrl(bot.h.config.web.publicBaseUrl, sessionId, bot.h.config.web.linkSecret!);
    const command = await fake.slashCommand({ user: bob, text: 'search "by thursday"' });
    const { body } = await responseTo(command.responseId, /^Found in this channel's meetings:/);
    expect(body.response_type).toBe('ephemeral');
    // The meeting by the title its notes proposed, not by its file's name.
    expect(body.text).toContain(`> Speaker 2: “${said.text.trim()}”\n${await proposedTitle(sessionId)} · <${page}#t=${Math.floor(said.start)}|${formatTimestamp(said.start)}>`);
    expect(said.start).toBeGreaterThan(1); // the link's second is the line's, not the start of the meeting

    // Another channel's meetings are not this one's; search syntax is taken as words, and a query needs some.
    const elsewhere = await fake.slashCommand({ user: carol, text: 'search thursday', channelId: fake.outsideChannelId });
    await responseTo(elsewhere.responseId, /^No meeting in this channel says that\.$/);
    const symbols = await fake.slashCommand({ user: bob, text: 'search &|!():* <-> thursday:*' });
    await responseTo(symbols.responseId, /^Found in this channel's meetings:/);
    const empty = await fake.slashCommand({ user: bob, text: 'search   ' });
    expect((await responseTo(empty.responseId, /^❌/)).body.text).toBe('❌ Type the words to search for.');
    const long = await fake.slashCommand({ user: bob, text: `search ${'word '.repeat(50)}` });
    expect((await responseTo(long.responseId, /^❌/)).body.text).toBe('❌ Search for at most 200 characters: a few words the meeting said.');
  });

  it('ticks a todo from its checkbox: acknowledged, saved in todos.json and re-rendered, through a 429', async () => {
    fake.rateLimit('chat.update', 1);
    const click = await fake.checkboxes({ user: bob, message: results, blockId: before[0]!.blockId, actionId: TODO_ACTION, selected: ['1'] });
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
    await fake.checkboxes({ user: alice, message: results, blockId: before[1]!.blockId, actionId: TODO_ACTION, selected: ['2'] });
    await fake.waitFor(() => checkboxesOf(results)[1]!.ticked.includes('2'));
    const todos = await storedTodos(sessionId);
    expect(todos.todos.slice(0, 2).map((t) => [t.completed, t.completed_by])).toEqual([
      [true, 'bob'],
      [true, 'alice'],
    ]);
  });

  it('unticks, and shows a change made on the status page (or anywhere else) in the thread', async () => {
    await fake.checkboxes({ user: alice, message: results, blockId: checkboxesOf(results)[1]!.blockId, actionId: TODO_ACTION, selected: [] });
    await fake.waitFor(() => !checkboxesOf(results)[1]!.ticked.includes('2'));

    // What PATCH /api/sessions/:id/todos/:todoId does: the shared service saves and announces the change.
    await core.todos.service.setCompleted(sessionId, '1', false, null);
    await fake.waitFor(() => checkboxesOf(results).every((b) => b.ticked.length === 0));
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
    await fake.waitFor(() => checkboxesOf(results)[1]!.ticked.includes('2'));
    const posts = fake.calls.filter(isPost).length;
    const statusEdits = editsOf(statusTs).length;
    const chats = bot.h.openai.requests.length;

    expect(await fake.button({ user: bob, message: results, actionId: REGENERATE_ACTION })).toMatchObject({ status: 200, body: '' });
    const view = await fake.waitFor(() => fake.views.find((v) => v.view.callback_id === REGENERATE_VIEW));
    expect(view.view.blocks.map((b) => [b.block_id, b.element?.type])).toEqual([
      [INSTRUCTION_BLOCK, 'plain_text_input'],
      [MODEL_BLOCK, 'plain_text_input'],
    ]);
    expect(await fake.viewSubmission({ view, values: { [INSTRUCTION_BLOCK]: 'focus on engineering tasks', [MODEL_BLOCK]: '' } })).toMatchObject({ status: 200, body: '' });
    const reply = await fake.waitForCall((c) => c.method === 'chat.postEphemeral' && c.args.user === bob.id && /Rewriting/.test(String(c.args.text)));
    expect(reply.args).toMatchObject({ channel: fake.channelId, thread_ts: statusTs, text: 'Rewriting the notes: the results message will be updated.' });

    await fake.waitFor(() => shown(results).includes('Summary (version 2)'), 30_000);
    expect(checkboxesOf(results).flatMap((c) => c.ticked)).toEqual(['2']);
    expect((await core.sessionService.get(sessionId))?.notesVersion).toBe(2);
    const asked = bot.h.openai.requests.slice(chats).find((r) => r.chat);
    expect(JSON.stringify(asked?.chat?.messages)).toContain('<request>focus on engineering tasks</request>');
    // The status message showed the rewrite and is done again; nothing was posted a second time.
    await fake.waitFor(() => editsOf(statusTs).slice(statusEdits).some((c) => /✅ Done/.test(shown(c.args))));
    expect(editsOf(statusTs).slice(statusEdits).some((c) => /Rewriting the summary and todos/.test(shown(c.args)))).toBe(true);
    expect(fake.calls.filter(isPost).length).toBe(posts);
  });

  it('refuses to regenerate for someone neither sharing the recording nor in its channel: to them alone, nothing queued', async () => {
    const mayNot = `❌ Only the person who shared this recording and the members of <#${fake.channelId}> can change its notes.`;
    const forms = fake.views.length;
    const version = (await core.sessionService.get(sessionId))?.notesVersion;

    // The button: no form opens, the refusal goes through the action's response URL (carol may not get an ephemeral).
    const byCarol = await fake.button({ user: carol, message: results, actionId: REGENERATE_ACTION });
    expect(byCarol).toMatchObject({ status: 200, body: '' });
    expect((await responseTo(byCarol.responseId, /./)).body).toEqual({ response_type: 'ephemeral', replace_original: false, text: mayNot });
    expect(fake.views.length).toBe(forms);

    // A form she got hold of anyway (she left the channel after it opened): refused in the form itself.
    await fake.button({ user: bob, message: results, actionId: REGENERATE_ACTION });
    const form = await viewOpened(fake, forms);
    const refused = await fake.viewSubmission({ view: { ...form, user: carol }, values: { [INSTRUCTION_BLOCK]: 'in French', [MODEL_BLOCK]: '' } });
    expect(JSON.parse(refused.body)).toEqual({ response_action: 'errors', errors: { [INSTRUCTION_BLOCK]: mayNot } });
    expect((await core.sessionService.get(sessionId))).toMatchObject({ status: 'COMPLETED', notesVersion: version });
    expect(fake.calls.some((c) => c.method === 'chat.postEphemeral' && c.args.user === carol.id)).toBe(false);
  });

  it('edits a todo from its menu: a form filled with what it holds, saved with who edited it, the thread re-rendered', async () => {
    const todos = await storedTodos(sessionId);
    const owned = todos.todos.find((t) => t.assignee?.startsWith('SPEAKER_'))!;
    const index = todos.todos.indexOf(owned);
    const forms = fake.views.length;
    const menu = await fake.overflow({ user: alice, message: results, blockId: checkboxesOf(results)[index]!.blockId, actionId: TODO_MENU_ACTION, value: `edit:${owned.id}` });
    expect(menu).toMatchObject({ status: 200, body: '' });

    const form = await viewOpened(fake, forms);
    expect(form).toMatchObject({ user: alice, view: { callback_id: TODO_EDIT_VIEW } });
    // The owner is shown by the name given to that speaker.
    expect(initialValues(form)).toEqual({ [TODO_INPUTS.task]: owned.task, [TODO_INPUTS.owner]: 'Maria', [TODO_INPUTS.due]: owned.due ?? undefined, [TODO_INPUTS.priority]: owned.priority });

    const saved = await fake.viewSubmission({ view: form, values: { [TODO_INPUTS.task]: 'Send the client the revised timeline', [TODO_INPUTS.owner]: 'Maria', [TODO_INPUTS.due]: 'by Friday', [TODO_INPUTS.priority]: 'high' } });
    expect(saved).toMatchObject({ status: 200, body: '' }); // no errors: the modal closes

    const after = (await storedTodos(sessionId)).todos[index]!;
    // "Maria" as typed is the speaker she names: the label stays, so a rename follows the todo.
    expect(after).toMatchObject({ id: owned.id, task: 'Send the client the revised timeline', assignee: owned.assignee, due: 'by Friday', priority: 'high', edited_by: 'alice' });
    expect(after.due_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await history(sessionId)).filter((c) => c.kind === 'edit')).toEqual([expect.objectContaining({ todoId: owned.id, by: 'alice', before: expect.objectContaining({ task: owned.task }) as unknown })]);
    await fake.waitFor(() => shown(results).includes(`${index + 1}. Send the client the revised timeline`));
    expect(shown(results)).toMatch(/🔴 high · 📅 [^·]*\(by Friday\) · .*👤 Maria/);
  });

  it('refuses, in the form, an edit of a text someone changed since it opened, and shows their change in the thread', async () => {
    const forms = fake.views.length;
    await fake.overflow({ user: bob, message: results, blockId: checkboxesOf(results)[1]!.blockId, actionId: TODO_MENU_ACTION, value: 'edit:2' });
    const form = await viewOpened(fake, forms);
    const task = initialValues(form)[TODO_INPUTS.task]!;

    // Meanwhile someone edits it on the status page (the page goes through the same service).
    await core.todos.service.edit(sessionId, '2', { task: 'Book the venue for 40 people' }, null, { task });
    await fake.waitFor(() => shown(results).includes('2. Book the venue for 40 people'));

    const refused = await fake.viewSubmission({ view: form, values: { ...initialValues(form), [TODO_INPUTS.task]: 'Book a small room' } });
    expect(refused.status).toBe(200);
    expect(JSON.parse(refused.body)).toEqual({
      response_action: 'errors',
      errors: { [TODO_INPUTS.task]: 'Someone changed this todo while you were editing it: its text is now “Book the venue for 40 people”. Nothing was saved; please edit it again.' },
    });
    expect((await storedTodos(sessionId)).todos[1]).toMatchObject({ task: 'Book the venue for 40 people', edited_by: null });
  });

  it('adds a todo from the button under the list, and removes one from its menu, kept in the history', async () => {
    const forms = fake.views.length;
    await fake.button({ user: bob, message: results, actionId: TODO_ADD_ACTION });
    const form = await viewOpened(fake, forms);
    expect(form.view.callback_id).toBe(TODO_ADD_VIEW);
    expect(initialValues(form)).toEqual({ [TODO_INPUTS.task]: undefined, [TODO_INPUTS.owner]: undefined, [TODO_INPUTS.due]: undefined, [TODO_INPUTS.priority]: 'medium' });

    expect(await fake.viewSubmission({ view: form, values: { [TODO_INPUTS.task]: 'Order the pizza', [TODO_INPUTS.owner]: 'Ben', [TODO_INPUTS.priority]: 'low' } })).toMatchObject({ status: 200, body: '' });
    const added = (await storedTodos(sessionId)).todos.at(-1)!;
    expect(added).toMatchObject({ task: 'Order the pizza', assignee: 'Ben', due: null, priority: 'low', added_by: 'bob', completed: false });
    await fake.waitFor(() => shown(results).includes('Order the pizza'));
    expect(checkboxesOf(results).at(-1)!.options).toEqual([added.id]);

    const removal = await fake.overflow({ user: bob, message: results, blockId: checkboxesOf(results).at(-1)!.blockId, actionId: TODO_MENU_ACTION, value: `remove:${added.id}` });
    expect((await responseTo(removal.responseId, /./)).body).toEqual({ response_type: 'ephemeral', replace_original: false, text: '🗑️ Removed “Order the pizza”.' });
    await fake.waitFor(() => !shown(results).includes('Order the pizza'));
    expect((await storedTodos(sessionId)).todos.map((t) => t.id)).not.toContain(added.id);
    expect((await history(sessionId)).filter((c) => c.todoId === added.id).map((c) => [c.kind, c.by])).toEqual([
      ['add', 'bob'],
      ['remove', 'bob'],
    ]);
  });

  it('uploads the notes as Markdown into the thread from the results’ button, names and todos included', async () => {
    const callsBefore = fake.calls.length;
    const click = await fake.button({ user: bob, message: results, actionId: MARKDOWN_ACTION });
    expect(click).toMatchObject({ status: 200, body: '' });

    const shared = await fake.waitFor(() => fake.threadOf(fake.channelId, statusTs).find((m) => m.files?.length));
    const [file] = shared.files!;
    // Named by the title the notes proposed (docs/architecture.md#coming-back-to-a-meeting).
    const name = exportFilename((await proposedTitle(sessionId))!, 'md');
    expect(file).toMatchObject({ name, title: name });
    // files.uploadV2 in the client: an upload URL, the bytes POSTed there, then the share into the thread.
    const uploadCalls = fake.calls.slice(callsBefore).filter((c) => c.method.startsWith('files.'));
    expect(uploadCalls.map((c) => [c.method, c.status, (c.response as { ok: boolean }).ok])).toEqual([
      ['files.getUploadURLExternal', 200, true],
      ['files.completeUploadExternal', 200, true],
    ]);
    expect(uploadCalls[1]!.args).toMatchObject({ channel_id: fake.channelId, thread_ts: statusTs });
    const markdown = fake.contentOf(file!.id)!.toString('utf8');
    expect(markdown.startsWith(`# ${await proposedTitle(sessionId)}\n`)).toBe(true);
    for (const todo of (await storedTodos(sessionId)).todos) expect(markdown).toContain(todo.task);
    expect(markdown).toContain('owner Maria');
    // The todo ticked before the notes were regenerated, edited from its menu above, then on the page (by nobody named), as todos.json holds it.
    expect(markdown).toMatch(/- \[x\] Book the venue for 40 people \(high · owner Maria · due [^·]+\(by Friday\) · ticked by bob · edited · /);
    expect(markdown).toContain(`(${statusPageUrl(bot.h.config.web.publicBaseUrl, sessionId, bot.h.config.web.linkSecret!)}#seg-`);
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
    const since = fake.calls.length;
    await fake.checkboxes({ user: bob, message: results, blockId: checkboxesOf(results)[0]!.blockId, actionId: TODO_ACTION, selected: ['1'] });
    const note = await fake.waitFor(() => fake.calls.slice(since).find((c) => c.method === 'chat.postEphemeral'));
    expect(note.args).toMatchObject({ channel: fake.channelId, user: bob.id, thread_ts: statusTs, text: '❌ This meeting no longer exists.' });

    // So does "Notes as Markdown", through the action's response URL: nothing is uploaded.
    const uploadsBefore = fake.calls.filter((c) => c.method.startsWith('files.')).length;
    const markdown = await fake.button({ user: bob, message: results, actionId: MARKDOWN_ACTION });
    expect((await responseTo(markdown.responseId, /./)).body).toEqual({ response_type: 'ephemeral', replace_original: false, text: '❌ This meeting no longer exists.' });
    expect(fake.calls.filter((c) => c.method.startsWith('files.'))).toHaveLength(uploadsBefore);
  });
});

describe('speakers named from the thread', () => {
  let anna: FakeSlackUser;
  let first: Meeting;

  beforeAll(() => {
    anna = fake.addUser({ id: 'U0ANNA', name: 'anna', displayName: 'Anna K' });
  });

  const resultsEdits = (m: Meeting, since: number) => fake.calls.slice(since).filter((c) => c.method === 'chat.update' && c.args.ts === m.results.ts && c.status === 200);
  /** The option of a todo checkbox, as the results message shows it now. */
  const todoOption = (m: Meeting, todoId: string) =>
    (m.results.blocks as Array<{ elements?: Array<{ options?: Array<{ value: string; text: { type: string; text: string }; description: { text: string } }> }> }>)
      .flatMap((b) => b.elements ?? [])
      .flatMap((e) => e.options ?? [])
      .find((o) => o.value === todoId)!;

  it('asks who spoke, with a sample of each speaker, and offers the name the meeting says', async () => {
    first = await meeting(bot, alice, 'names.mp4');
    const text = shown(first.whoSpoke);
    expect(text).toContain('Mentioned in the meeting: Anna');
    expect(text).toContain("*Speaker 1*\n> Okay, let's ship the 2 fixes before the demo.");
    expect(text).toContain("*Speaker 2*\n> Yes, I'll have them by Thursday.");
    // "Anna, can you write the release notes?": the todo's owner is the name said, offered to every speaker.
    const todos = await storedTodos(first.sessionId);
    expect(todos.todos.map((t) => t.assignee)).toEqual(['Anna', 'SPEAKER_01']);

    await fake.button({ user: bob, message: first.whoSpoke, actionId: 'wn-speaker-suggest:n0', blockId: `wn-speaker:${first.sessionId}:SPEAKER_01:s` });
    await fake.waitFor(() => todoOption(first, '2').description.text.endsWith('👤 Anna'));
    expect(await core.speakers.names(first.sessionId)).toEqual({ SPEAKER_01: 'Anna' });
  });

  it('refuses a speaker pick and a todo removal to someone outside the channel, to them alone, changing nothing', async () => {
    const mayNot = `❌ Only the person who shared this recording and the members of <#${fake.channelId}> can change its notes.`;
    const since = fake.calls.length;
    const names = await core.speakers.names(first.sessionId);
    const pick = await fake.usersSelect({ user: carol, message: first.whoSpoke, blockId: `wn-speaker:${first.sessionId}:SPEAKER_01`, selected: carol });
    expect((await responseTo(pick.responseId, /./)).body).toEqual({ response_type: 'ephemeral', replace_original: false, text: mayNot });
    expect(await core.speakers.names(first.sessionId)).toEqual(names);

    const todo = (await storedTodos(first.sessionId)).todos[0]!;
    const removal = await fake.overflow({ user: carol, message: first.results, blockId: checkboxesOf(first.results)[0]!.blockId, actionId: TODO_MENU_ACTION, value: `remove:${todo.id}` });
    expect((await responseTo(removal.responseId, /./)).body).toEqual({ response_type: 'ephemeral', replace_original: false, text: mayNot });
    expect((await storedTodos(first.sessionId)).todos[0]).toEqual(todo);
    // Nothing was said in the channel (a re-render left over from the test before may still edit a message).
    expect(fake.calls.slice(since).filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral')).toEqual([]);
  });

  it('links a picked member: one edit of the results message, the todo mentioning them, and no new message', async () => {
    const owned = (await storedTodos(first.sessionId)).todos.find((t) => t.assignee === 'SPEAKER_01')!;
    const since = fake.calls.length;
    const pick = await fake.usersSelect({ user: bob, message: first.whoSpoke, blockId: `wn-speaker:${first.sessionId}:SPEAKER_01`, selected: anna });
    expect(pick).toMatchObject({ status: 200, body: '' }); // acknowledged at once

    const edit = await fake.waitFor(() => resultsEdits(first, since)[0]);
    expect(JSON.stringify(edit.args.blocks)).toContain('<@U0ANNA>');
    expect(todoOption(first, owned.id).text).toEqual({ type: 'mrkdwn', text: `${owned.id}. ${owned.task} · 👤 <@U0ANNA>`, verbatim: true });
    expect(todoOption(first, '1').text.text).not.toContain('<@'); // Anna (the name said) owns todo 1: no member was picked for it
    // The "Who spoke?" message shows who was chosen.
    await fake.waitFor(() => shown(first.whoSpoke).includes('*Anna K* · <@U0ANNA>'));
    expect(await core.speakers.names(first.sessionId)).toEqual({ SPEAKER_01: 'Anna K' }); // the profile's display name
    expect(await core.speakers.members(first.sessionId)).toEqual({ SPEAKER_01: 'U0ANNA' });

    // A tick after it: its re-render comes after any the naming caused, so the count is final.
    await core.todos.service.setCompleted(first.sessionId, '1', true, null);
    await fake.waitFor(() => checkboxesOf(first.results)[0]!.ticked.includes('1'));
    expect(resultsEdits(first, since)).toHaveLength(2); // the naming's one edit, then the tick's
    expect(fake.calls.slice(since).filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral')).toEqual([]);
  });

  it("follows the member's profile: a new display name shows in the thread and on the status page after the next render", async () => {
    anna.displayName = 'Anna Karlsson';
    await core.todos.service.setCompleted(first.sessionId, '1', false, null);
    await fake.waitFor(() => shown(first.whoSpoke).includes('*Anna Karlsson* · <@U0ANNA>'));
    expect(await core.speakers.names(first.sessionId)).toEqual({ SPEAKER_01: 'Anna Karlsson' });

    const web = buildWebApp(core, { linkSecret: bot.h.config.web.linkSecret! });
    try {
      const link = new URL(statusPageUrl(bot.h.config.web.publicBaseUrl, first.sessionId, bot.h.config.web.linkSecret!));
      const page = await web.inject({ url: link.pathname + link.search });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('data-speaker="SPEAKER_01" data-unnamed="Speaker 2">Anna Karlsson</span>');
    } finally {
      await web.close();
    }
  });

  it('takes typed names from a modal: a guest gets a name, a linked speaker left empty stays linked, a refusal shows by the field', async () => {
    await fake.button({ user: bob, message: first.whoSpoke, actionId: TYPE_NAMES_ACTION });
    const modal = await fake.waitFor(() => fake.views.find((v) => v.view.private_metadata === first.sessionId));
    expect(modal.view.callback_id).toBe(NAMES_VIEW);
    expect(modal.view.blocks.map((b) => [b.block_id, b.element?.initial_value])).toEqual([
      ['SPEAKER_00', undefined],
      ['SPEAKER_01', undefined], // linked: its name is the member's, not typed
    ]);

    const refused = await fake.viewSubmission({ user: bob, view: modal, values: { SPEAKER_00: 'O'.repeat(61) } });
    expect(JSON.parse(refused.body)).toEqual({ response_action: 'errors', errors: { SPEAKER_00: 'The name for Speaker 1 is too long: at most 60 characters.' } });

    const saved = await fake.viewSubmission({ user: bob, view: modal, values: { SPEAKER_00: 'Ole (guest)' } });
    expect(saved).toMatchObject({ status: 200, body: '' });
    expect(await core.speakers.names(first.sessionId)).toEqual({ SPEAKER_00: 'Ole (guest)', SPEAKER_01: 'Anna Karlsson' });
    expect(await core.speakers.members(first.sessionId)).toEqual({ SPEAKER_01: 'U0ANNA' });
    await fake.waitFor(() => shown(first.whoSpoke).includes('*Ole (guest)*'));
  });

  it('suggests the same member in the next meeting in this channel, applied only when someone clicks it', async () => {
    const second = await meeting(bot, alice, 'names-again.mp4');
    expect(shown(second.whoSpoke)).toContain('Anna was <@U0ANNA> here before.');
    expect(await core.speakers.names(second.sessionId)).toEqual({});
    expect(JSON.stringify(second.results.blocks)).not.toContain('<@U0ANNA>');

    const since = fake.calls.length;
    await fake.button({ user: bob, message: second.whoSpoke, actionId: 'wn-speaker-suggest:m0', blockId: `wn-speaker:${second.sessionId}:SPEAKER_01:s` });
    await fake.waitFor(() => resultsEdits(second, since).find((c) => JSON.stringify(c.args.blocks).includes('<@U0ANNA>')));
    expect(await core.speakers.members(second.sessionId)).toEqual({ SPEAKER_01: 'U0ANNA' });
    expect(await core.speakers.names(second.sessionId)).toEqual({ SPEAKER_01: 'Anna Karlsson' });
  });

  it('asks who spoke on `/whisper speakers <id>` in a thread whose results came before the question, once', async () => {
    const [resultsRef] = (await core.sessionService.get(first.sessionId))!.resultsMessageRefs;
    await core.sessions.setResultsMessages(first.sessionId, [resultsRef!]); // as results posted before "Who spoke?" are stored
    const since = fake.calls.length;
    const asked = await fake.slashCommand({ user: bob, text: `speakers ${first.sessionId}` });
    await responseTo(asked.responseId, /^I asked who spoke in the thread of/);
    const post = fake.calls.slice(since).find(isPost)!;
    expect(post.args.thread_ts).toBe(first.results.thread_ts);
    expect(shown(post.args)).toContain('*Anna Karlsson* · <@U0ANNA>');
    expect((await core.sessionService.get(first.sessionId))!.resultsMessageRefs).toEqual([resultsRef, `${fake.channelId}:${postedTs(post)}`]);

    const again = await fake.slashCommand({ user: bob, text: `speakers ${first.sessionId}` });
    await responseTo(again.responseId, /already asks who spoke: pick the people there/);
    expect(fake.calls.slice(since).filter(isPost)).toHaveLength(1);
  });
});

describe('a recording whose notes could not be written', () => {
  /** `user` shares a recording while the LLM refuses: it fails, with a Retry button on its status message. */
  async function failedRecording(user: FakeSlackUser, name: string) {
    bot.h.openai.always('chat', replies.unauthorized());
    const file = fake.uploadFile({ name, mimetype: 'video/mp4', bytes: bot.video, user: user.id });
    await fake.fileShare({ user, files: [file] });
    const statusTs = postedTs(await fake.waitForCall((c) => isPost(c) && shown(c.args).includes(name)));
    const failed = await fake.waitFor(() => JSON.stringify(statusMessage(statusTs).blocks).includes(RETRY_ACTION) && statusMessage(statusTs), 30_000);
    expect(shown(failed)).toMatch(/OPENAI_API_KEY/);
    bot.h.openai.always('chat', null);
    const session = (await sessionsOf(core, { platform: 'slack', workspaceId: fake.teamId, externalId: user.id })).find((s) => s.origin.threadRef === statusTs)!;
    expect(session).toMatchObject({ filename: name, status: 'FAILED' });
    return { session, statusTs, failed };
  }

  const listings = () => fake.calls.filter((c) => c.method === 'conversations.members');

  it('gets a Retry button: refused to someone outside the channel, run again from its transcript for a member who did not share it', async () => {
    const { session, statusTs, failed } = await failedRecording(alice, 'retro.mp4');
    const transcriptions = bot.h.whisperx.requests.length;
    const mayNot = `Only the person who shared this recording and the members of <#${fake.channelId}> can change its notes.`;

    // Carol is not in the channel (a public one she can read, or a Slack Connect guest): refused, to her alone.
    const byCarol = await fake.button({ user: carol, message: failed, actionId: RETRY_ACTION });
    expect(byCarol).toMatchObject({ status: 200, body: '' });
    expect((await responseTo(byCarol.responseId, /./)).body).toEqual({ response_type: 'ephemeral', replace_original: false, text: mayNot });
    expect(listings().every((c) => c.args.channel === fake.channelId && c.status === 200)).toBe(true);
    expect(listings().length).toBeGreaterThan(1); // every page of the channel, carol on none
    // From another channel, by command: refused too, without asking Slack again within the minute.
    const asked = listings().length;
    const fromElsewhere = await fake.slashCommand({ user: carol, text: `retry ${session.id}`, channelId: fake.outsideChannelId });
    expect((await responseTo(fromElsewhere.responseId, /./)).body).toMatchObject({ response_type: 'ephemeral', text: mayNot });
    expect(listings().length).toBe(asked);
    expect((await core.sessionService.get(session.id))?.status).toBe('FAILED');

    // Erin is in the channel, on the listing's second page, which Slack first answers with a 429.
    fake.rateLimit('conversations.members', 1);
    const byErin = await fake.button({ user: erin, message: failed, actionId: RETRY_ACTION });
    const started = await responseTo(byErin.responseId, /./);
    expect(started.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(started.body.text).toMatch(/^Trying `[0-9a-f-]+` \(retro\.mp4\) again from its transcript\.$/);
    // The 429 answered, the first page again, then pages by cursor up to hers (the last: she joined last).
    const pages = listings().slice(asked).map((c) => [c.status, Boolean(c.args.cursor)]);
    expect(pages.slice(0, 3)).toEqual([[429, false], [200, false], [200, true]]);
    expect(pages.slice(2).every(([status, cursor]) => status === 200 && cursor)).toBe(true);
    const [results] = await finished(fake, statusTs);
    expect(checkboxesOf(results!).length).toBeGreaterThan(0);
    expect(JSON.stringify(statusMessage(statusTs).blocks)).not.toContain(RETRY_ACTION);
    expect(bot.h.whisperx.requests.length - transcriptions).toBe(0);
    expect((await core.sessionService.get(session.id))?.status).toBe('COMPLETED');
  });

  it('takes a channel the bot cannot see (a private one it left, a deleted one) for one without members', async () => {
    const userId = await core.users.resolve({ platform: 'slack', workspaceId: fake.teamId, externalId: alice.id });
    const origin = { platform: 'slack' as const, workspaceId: fake.teamId, channelId: 'C0PRIVATE', threadRef: '1.000001', statusMessageRef: null };
    const session = await core.sessions.create({ id: randomUUID(), userId, filename: 'board.mp4', origin, sourceKind: 'upload', options: DEFAULT_OPTIONS });
    await core.sessions.update(session.id, { status: 'FAILED', errorCode: 'UPLOAD_INTERRUPTED', errorMessage: 'The upload stopped.' });

    const command = await fake.slashCommand({ user: bob, text: `retry ${session.id}` });
    expect((await responseTo(command.responseId, /./)).body.text).toBe('Only the person who shared this recording and the members of <#C0PRIVATE> can change its notes.');
    expect(listings().filter((c) => c.args.channel === 'C0PRIVATE').map((c) => c.response)).toEqual([{ ok: false, error: 'channel_not_found' }]);
  });

  it('is run again for the person who shared it, though they have since left the channel', async () => {
    const { session, statusTs } = await failedRecording(dave, 'planning.mp4');
    fake.leaveChannel(dave, fake.channelId);
    const command = await fake.slashCommand({ user: dave, text: `retry ${session.id}`, channelId: fake.outsideChannelId });
    await responseTo(command.responseId, /^Trying `[0-9a-f-]+` \(planning\.mp4\) again from its transcript\.$/);
    await finished(fake, statusTs);
    expect((await core.sessionService.get(session.id))?.status).toBe('COMPLETED');
  });
});

describe('/whisper list and rename', () => {
  /** A finished meeting shared in a channel by `user`, as stored once its notes are written. */
  async function sharedMeeting(user: FakeSlackUser, channelId: string, title: string) {
    const userId = await core.users.resolve({ platform: 'slack', workspaceId: fake.teamId, externalId: user.id });
    const origin = { platform: 'slack' as const, workspaceId: fake.teamId, channelId, threadRef: null, statusMessageRef: null };
    return (await completedSession(core, userId, { ...NOTES, title }, origin)).id;
  }
  const pageOf = (id: string) => statusPageUrl(bot.h.config.web.publicBaseUrl, id, bot.h.config.web.linkSecret!);

  it("answers, to the person alone, with their meetings and the channel's, someone else's included, each linking to its page", async () => {
    const bobsHere = await sharedMeeting(bob, fake.channelId, `Budget ${randomUUID().slice(0, 8)}`);
    const alicesElsewhere = await sharedMeeting(alice, 'C0ELSEWHERE', 'Hiring sync');
    const bobsElsewhere = await sharedMeeting(bob, 'C0ELSEWHERE', 'Not listed');

    const command = await fake.slashCommand({ user: alice, text: 'list' });
    const { body } = await responseTo(command.responseId, /recent meetings/);
    expect(body.response_type).toBe('ephemeral');
    const lines = body.text!.split('\n');
    const bobsLine = lines.find((l) => l.startsWith(`\`${bobsHere}\``));
    expect(bobsLine).toMatch(/^`[^`]+` Budget \w+ · \d{4}-\d\d-\d\d \d\d:\d\d UTC · \d\d:\d\d:\d\d · done · \d+ open todos · <[^|]+\|open>$/);
    expect(bobsLine).toContain(` · ${NOTES.todos.length} open todos · <${pageOf(bobsHere)}|open>`);
    expect(lines.some((l) => l.startsWith(`\`${alicesElsewhere}\` Hiring sync`))).toBe(true);
    expect(body.text).not.toContain(bobsElsewhere);
  });

  it('renames a meeting for a member of its channel, refuses someone outside it, and lists the new title', async () => {
    const id = await sharedMeeting(bob, fake.channelId, 'Weekly');
    const byCarol = await fake.slashCommand({ user: carol, text: `rename ${id} Hijacked` });
    await responseTo(byCarol.responseId, /Only the person who shared this recording and the members of/);
    expect((await core.sessionService.get(id))?.title).toBeNull();

    // A member of the channel who did not share it (dave, by now, has left the channel).
    const member = fake.addUser({ id: 'U0GRACE', name: 'grace' });
    const announced: TodoEvent[] = [];
    const stop = core.todos.feed.subscribe(id, (e) => announced.push(e));
    await stop.ready;
    const byMember = await fake.slashCommand({ user: member, text: `rename ${id} Roadmap <review>` });
    await responseTo(byMember.responseId, new RegExp(`\`${id}\` is now called “Roadmap &lt;review&gt;”\\.`));
    expect((await core.sessionService.get(id))?.title).toBe('Roadmap <review>');
    // Open pages are told, with who renamed it as Slack names them.
    await until('the new title to be announced', async () => announced.length > 0);
    stop();
    expect(announced).toMatchObject([{ kind: 'title', sessionId: id, title: 'Roadmap <review>', by: 'grace' }]);
    const listed = await fake.slashCommand({ user: bob, text: 'list' });
    await responseTo(listed.responseId, new RegExp(`\`${id}\` Roadmap &lt;review&gt; · `));
  });

  it('explains the rename command when the id or the title is missing', async () => {
    const command = await fake.slashCommand({ user: bob, text: 'rename' });
    await responseTo(command.responseId, /Use `\/whisper rename <id> <title>`/);
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
    const [results] = await finished(fake, statusTs);
    expect(checkboxesOf(results!).length).toBeGreaterThan(0);

    const mine = await sessionsOf(core, { platform: 'slack', workspaceId: fake.teamId, externalId: alice.id });
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
    const mine = await sessionsOf(core, { platform: 'slack', workspaceId: fake.teamId, externalId: bob.id });
    expect(mine.some((s) => s.origin.channelId === fake.outsideChannelId)).toBe(false);
  });
});
