import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../core/app.js';
import { TodoChangesRepository } from '../../core/db/todo-changes.repository.js';
import { speakerName } from '../../core/domain/speaker-name.js';
import { exportFilename } from '../../core/domain/exports/index.js';
import { refPath } from '../../core/domain/storage-layout.js';
import { summaryDocumentSchema, todosDocumentSchema } from '../../core/domain/todos.js';
import { formatTimestamp, storedTranscriptSchema } from '../../core/domain/transcript.js';
import { statusPageUrl } from '../../core/links.js';
import type { Session } from '../../core/domain/session.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';
import { replies } from '../fakes/openai-fake.js';
import { NOTES, SEGMENTS, transcriptOf } from '../helpers/meeting-export.js';
import { sessionsOf, storeNotes, uploadingSession } from '../helpers/sessions.js';
import { PERMISSIONS, type DiscordFake, type FakeMember, type FakeMessage, type FakeUser, type RecordedCall } from '../fakes/discord-fake.js';
import { startDiscordBotFixture, type ChatBotFixture } from '../helpers/chat-bot-fixture.js';
import { startForbiddenTarget } from '../helpers/link-servers.js';
import { until } from '../helpers/until.js';

const MAX_MEDIA_BYTES = 3_000_000;
const alice: FakeUser = { id: '200000000000000001', username: 'alice' };
const bob: FakeUser = { id: '200000000000000002', username: 'bob' };
const moderator: FakeUser = { id: '200000000000000003', username: 'mod' };
const carol: FakeUser = { id: '200000000000000004', username: 'carol' };
const dave: FakeUser = { id: '200000000000000005', username: 'dave' };
const erin: FakeUser = { id: '200000000000000006', username: 'erin' };
// In the channel, and acts only once: whether he may view it is asked of Discord then, not remembered from before.
const frank: FakeUser = { id: '200000000000000007', username: 'frank' };
// In the server, but an overwrite denies her role the channel of the first meeting.
const gina: FakeUser = { id: '200000000000000008', username: 'gina' };

let bot: ChatBotFixture<DiscordFake>;
let fake: DiscordFake;
let core: Core;
let forbidden: { url: string; connections: number; close(): Promise<void> };

beforeAll(async () => {
  bot = await startDiscordBotFixture({ MAX_MEDIA_BYTES: String(MAX_MEDIA_BYTES) });
  forbidden = await startForbiddenTarget();
  fake = bot.fake;
  core = bot.h.core;
});

afterAll(async () => {
  await Promise.all([bot?.close(), forbidden?.close()]);
});

const editsOf = (m: { channel_id: string; id: string }) => fake.calls.filter((c) => c.method === 'PATCH' && c.path === `/channels/${m.channel_id}/messages/${m.id}`);
const bodyOf = (c: RecordedCall) => c.body as { content: string; components?: unknown[]; message_reference?: { message_id: string }; type?: number; data?: { flags?: number } };
const messagesIn = (channelId: string) => [...fake.messages.values()].filter((m) => m.channel_id === channelId);
const callbackOf = (i: { id: string; token: string }) => fake.waitForCall((c) => c.path === `/interactions/${i.id}/${i.token}/callback`);
/** The interaction's (ephemeral) reply, once it says something matching. */
const replyOf = (i: { token: string }, match: RegExp) =>
  fake.waitForCall((c) => c.method === 'PATCH' && c.path === `/webhooks/${fake.applicationId}/${i.token}/messages/@original` && match.test(bodyOf(c).content));

/** Waits for the session's status message to say it is done, then for its results in the thread. */
async function finished(status: FakeMessage): Promise<FakeMessage[]> {
  await fake.waitFor(() => /✅ Done/.test(status.content), 30_000);
  return fake.waitFor(() => {
    const inThread = messagesIn(status.id); // the thread started from the status message has its id
    // The summary, the todos, then "Who spoke?" (the recordings' transcripts tell two speakers apart).
    return inThread.length >= 3 && inThread;
  });
}

type Button = { custom_id: string; label: string; emoji: { name: string } };
const buttonsOf = (m: FakeMessage) => (m.components as Array<{ components: Button[] }>).flatMap((row) => row.components);
/** The ✅/⬜ toggles of a page, and its ✏️ Edit buttons. */
const togglesOf = (m: FakeMessage) => buttonsOf(m).filter((b) => b.emoji.name !== '✏️');
const editButtonsOf = (m: FakeMessage) => buttonsOf(m).filter((b) => b.emoji.name === '✏️');
const storedTodos = async (sessionId: string) => todosDocumentSchema.parse(await core.store.getJson(core.layout.todos(sessionId)));
const proposedTitle = async (sessionId: string) => summaryDocumentSchema.parse(await core.store.getJson(core.layout.summary(sessionId))).title;
const history = (sessionId: string) => new TodoChangesRepository(core.knex).forSession(sessionId);

type Modal = { custom_id: string; title: string; components: Array<{ components: Array<{ custom_id: string; value?: string }> }> };
/** The form the bot answered a click with (callback type 9), and what its inputs hold. */
async function modalOf(i: { id: string; token: string }): Promise<{ modal: Modal; values: Record<string, string> }> {
  const callback = bodyOf(await callbackOf(i)) as unknown as { type: number; data: Modal };
  expect(callback.type).toBe(9);
  const values = Object.fromEntries(callback.data.components.map((row) => [row.components[0]!.custom_id, row.components[0]!.value ?? '']));
  return { modal: callback.data, values };
}

describe('a video dropped in a channel', () => {
  let status: FakeMessage;
  let results: FakeMessage[];
  let sessionId: string;

  it('gets a thread whose status message is edited through the stages, then the summary and todos', async () => {
    const attachment = fake.upload({ name: 'standup.mp4', bytes: bot.video, contentType: 'video/mp4' });
    const drop = fake.messageCreate({ author: alice, content: 'notes please', attachments: [attachment] });

    const post = await fake.waitForCall((c) => c.method === 'POST' && bodyOf(c).message_reference?.message_id === drop.id);
    status = fake.messages.get((post.response as FakeMessage).id)!;
    expect(status.content).toContain('standup.mp4');
    await fake.waitForCall((c) => c.method === 'POST' && c.path === `/channels/${fake.channelId}/messages/${status.id}/threads`);

    results = await finished(status);

    // The recording was fetched from the CDN once, promptly, through ingest.
    expect(fake.cdnHits).toEqual([new URL(attachment.url).pathname]);
    const [session] = await sessionsOf(core, { platform: 'discord', workspaceId: fake.guildId, externalId: alice.id });
    sessionId = session!.id;
    expect(session).toMatchObject({
      status: 'COMPLETED',
      filename: 'standup.mp4',
      sourceKind: 'link',
      origin: { platform: 'discord', workspaceId: fake.guildId, channelId: fake.channelId, threadRef: status.id, statusMessageRef: `${fake.channelId}:${status.id}` },
    });

    // The status message moved forward in place: progress bars, then done with the status-page link.
    const edits = editsOf(status).filter((c) => c.status === 200).map((c) => bodyOf(c).content);
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.some((e) => /▓*░+ \d+%/.test(e))).toBe(true);
    expect(edits.at(-1)).toMatch(/✅ Done/);
    expect(edits.at(-1)).toContain(`(${statusPageUrl(bot.h.config.web.publicBaseUrl, sessionId, bot.h.config.web.linkSecret!)})`);

    // In the thread: the summary, then the todos with one ⬜ button each, refs stored on the session.
    const todos = todosDocumentSchema.parse(await core.store.getJson(core.layout.todos(sessionId)));
    expect(results[0]!.content).toContain('**Summary**');
    expect(results[0]!.content).toContain(todos.summary);
    const buttons = results.slice(1, -1).flatMap(togglesOf);
    expect(buttons.map((b) => b.label)).toEqual(todos.todos.map((_, i) => String(i + 1)));
    expect(buttons.every((b) => b.emoji.name === '⬜')).toBe(true);
    expect(results.slice(1, -1).flatMap(editButtonsOf).map((b) => b.label)).toEqual(buttons.map((b) => b.label)); // one Edit button each
    expect(buttonsOf(results[0]!).map((b) => b.label)).toEqual(['Add a todo', 'Regenerate', 'Notes as Markdown']); // in the summary's one row
    expect(results[1]!.content).toContain(todos.todos[0]!.task);
    // The notifier records the results' refs right after posting them.
    const stored = await until('the results refs to be stored', async () => {
      const s = await core.sessionService.get(sessionId);
      return s && s.resultsMessageRefs.length > 0 ? s : null;
    });
    expect(stored.resultsMessageRefs).toEqual(results.map((m) => `${m.channel_id}:${m.id}`));
  });

  it('is found by `/whisper action:search` in its channel, privately: the line quoted with its speaker, linking to the page at that second', async () => {
    const transcript = storedTranscriptSchema.parse(await core.store.getJson(core.layout.transcript(sessionId)));
    const said = transcript.segments.find((s) => s.text.includes('Thursday'))!;
    const page = statusPageUrl(bot.h.config.web.publicBaseUrl, sessionId, bot.h.config.web.linkSecret!);
    const search = (user: FakeUser, words: string, channelId?: string) =>
      fake.slashCommand({ user, channelId, options: [{ name: 'action', type: 3, value: 'search' }, { name: 'words', type: 3, value: words }] });
    const asked = search(bob, 'thursday -nothingsaidthis');
    expect(bodyOf(await callbackOf(asked)).data?.flags).toBe(64); // ephemeral
    const reply = bodyOf(await replyOf(asked, /^Found in this channel's meetings:/)).content;
    // The meeting by the title its notes proposed, not by its file's name.
    expect(reply).toContain(`> Speaker 2: “${said.text.trim()}”\n${await proposedTitle(sessionId)} · [${formatTimestamp(said.start)}](${page}#t=${Math.floor(said.start)})`);
    expect(said.start).toBeGreaterThan(1);

    await replyOf(search(carol, 'thursday', fake.otherChannelId), /^No meeting in this channel says that\.$/);
    await replyOf(search(bob, '&|!():* thursday:*'), /^Found in this channel's meetings:/);
    expect(bodyOf(await replyOf(search(bob, ' '), /^❌/)).content).toBe('❌ Type the words to search for.');
  });

  it('ticks a todo from its button: saved in todos.json and re-rendered, through a 429', async () => {
    const page = results[1]!;
    const button = togglesOf(page)[0]!;
    fake.rateLimit({ method: 'PATCH', path: new RegExp(`/messages/${page.id}$`) }, 0.3);

    const click = fake.buttonClick({ user: bob, message: page, customId: button.custom_id });
    expect(bodyOf(await callbackOf(click)).type).toBe(6); // DEFERRED_UPDATE_MESSAGE: acknowledged in time

    await fake.waitFor(() => togglesOf(page)[0]!.emoji.name === '✅');
    expect(page.content).toMatch(/✅ \*\*1\.\*\* ~~/);
    expect(editsOf(page).map((c) => c.status)).toEqual([429, 200]); // discord.js waited out the 429 and retried

    const todos = todosDocumentSchema.parse(await core.store.getJson(core.layout.todos(sessionId)));
    expect(todos.todos[0]).toMatchObject({ completed: true, completed_by: 'bob' });
    expect(todos.todos.slice(1).every((t) => !t.completed)).toBe(true);
    // The button now offers the way back.
    expect(togglesOf(page)[0]!.custom_id).toBe(button.custom_id.replace(/:1$/, ':0'));
  });

  it('shows a tick made on the status page (or anywhere else) in the thread', async () => {
    const page = results[1]!;
    // What PATCH /api/sessions/:id/todos/:todoId does: the shared service saves and announces the tick.
    await core.todos.service.setCompleted(sessionId, '2', true, null);
    await fake.waitFor(() => togglesOf(page)[1]!.emoji.name === '✅');
    expect(togglesOf(page)[0]!.emoji.name).toBe('✅'); // the earlier tick from chat is still there
  });

  it('edits a todo from its Edit button: a form filled with what it holds, saved with who edited it, the page re-rendered', async () => {
    const page = results[1]!;
    const todo = (await storedTodos(sessionId)).todos[0]!;
    const click = fake.buttonClick({ user: alice, message: page, customId: editButtonsOf(page)[0]!.custom_id });
    const { modal, values } = await modalOf(click);
    expect(modal.title).toBe('Edit the todo');
    expect(modal.custom_id.length).toBeLessThanOrEqual(100);
    // The owner as people know them ("Speaker 2"), typed back unchanged: the label stays.
    expect(values).toEqual({ task: todo.task, owner: todo.assignee ? speakerName(todo.assignee) : '', due: todo.due ?? '', priority: todo.priority, remove: '' });

    const submit = fake.modalSubmit({ user: alice, customId: modal.custom_id, values: { ...values, task: 'Send the client the revised timeline', due: 'by Friday', priority: 'High' } });
    expect(bodyOf(await callbackOf(submit))).toMatchObject({ type: 5, data: { flags: 64 } }); // deferred, ephemeral
    await replyOf(submit, /^✏️ Saved “Send the client the revised timeline”\.$/);

    const after = (await storedTodos(sessionId)).todos[0]!;
    expect(after).toMatchObject({ id: todo.id, task: 'Send the client the revised timeline', assignee: todo.assignee, due: 'by Friday', priority: 'high', edited_by: 'alice' });
    expect(after.due_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await history(sessionId)).filter((c) => c.kind === 'edit').map((c) => [c.todoId, c.by])).toEqual([[todo.id, 'alice']]);
    await fake.waitFor(() => page.content.includes('~~Send the client the revised timeline~~')); // still ticked
    expect(page.content).toMatch(/🔴 high · 📅 [^·]*\(by Friday\)/);
  });

  it('refuses an edit of a text someone changed since the form opened, saving nothing, and shows their change', async () => {
    const page = results[1]!;
    const { modal, values } = await modalOf(fake.buttonClick({ user: bob, message: page, customId: editButtonsOf(page)[1]!.custom_id }));

    // Meanwhile someone edits it on the status page (the page goes through the same service).
    await core.todos.service.edit(sessionId, '2', { task: 'Book the venue for 40 people' }, null, { task: values.task! });
    await fake.waitFor(() => page.content.includes('Book the venue for 40 people'));

    // Bob changed the text, and left the rest as shown.
    const submit = fake.modalSubmit({ user: bob, customId: modal.custom_id, values: { ...values, task: 'Book a small room' } });
    await replyOf(submit, /^❌ Someone changed this todo while you were editing it: its text is now “Book the venue for 40 people”\. Nothing was saved; please edit it again\.$/);
    expect((await storedTodos(sessionId)).todos[1]).toMatchObject({ task: 'Book the venue for 40 people', edited_by: null });

    // A field he did not touch is no conflict: his change of another one is saved.
    const again = await modalOf(fake.buttonClick({ user: bob, message: page, customId: editButtonsOf(page)[1]!.custom_id }));
    await core.todos.service.edit(sessionId, '2', { task: 'Book the venue for 45 people' }, null);
    const saved = fake.modalSubmit({ user: bob, customId: again.modal.custom_id, values: { ...again.values, owner: 'Ben' } });
    await replyOf(saved, /^✏️ Saved “Book the venue for 45 people”\.$/);
    expect((await storedTodos(sessionId)).todos[1]).toMatchObject({ task: 'Book the venue for 45 people', assignee: 'Ben', edited_by: 'bob' });
  });

  it('adds a todo from "Add a todo", refusing an unknown priority, and removes one when asked in words, kept in the history', async () => {
    const add = await modalOf(fake.buttonClick({ user: bob, message: results[0]!, customId: buttonsOf(results[0]!)[0]!.custom_id }));
    expect(add.modal.title).toBe('Add a todo');
    expect(add.values).toEqual({ task: '', owner: '', due: '', priority: 'medium' });
    const count = (await storedTodos(sessionId)).todos.length;

    const urgent = fake.modalSubmit({ user: bob, customId: add.modal.custom_id, values: { task: 'Order the pizza', owner: 'Ben', due: '', priority: 'urgent' } });
    await replyOf(urgent, /^❌ A todo’s priority is one of high, medium, low\.$/);
    expect((await storedTodos(sessionId)).todos).toHaveLength(count);

    const added = fake.modalSubmit({ user: bob, customId: add.modal.custom_id, values: { task: 'Order the pizza', owner: 'Ben', due: '', priority: 'low' } });
    await replyOf(added, /^➕ Added “Order the pizza”\.$/);
    const todo = (await storedTodos(sessionId)).todos.at(-1)!;
    expect(todo).toMatchObject({ task: 'Order the pizza', assignee: 'Ben', due: null, priority: 'low', added_by: 'bob' });
    const page = results[1]!;
    await fake.waitFor(() => page.content.includes('Order the pizza'));

    const edit = await modalOf(fake.buttonClick({ user: bob, message: page, customId: editButtonsOf(page).at(-1)!.custom_id }));
    expect(edit.values.task).toBe('Order the pizza');
    const removal = fake.modalSubmit({ user: bob, customId: edit.modal.custom_id, values: { ...edit.values, remove: 'Remove' } });
    await replyOf(removal, /^🗑️ Removed “Order the pizza”\.$/);
    await fake.waitFor(() => !page.content.includes('Order the pizza'));
    expect((await storedTodos(sessionId)).todos.map((t) => t.id)).not.toContain(todo.id);
    expect((await history(sessionId)).filter((c) => c.todoId === todo.id).map((c) => [c.kind, c.by])).toEqual([
      ['add', 'bob'],
      ['remove', 'bob'],
    ]);
  });

  it('sends the notes as a Markdown file into the thread from the summary’s button', async () => {
    const button = buttonsOf(results[0]!).find((b) => b.label === 'Notes as Markdown')!;
    const click = fake.buttonClick({ user: bob, message: results[0]!, customId: button.custom_id });
    expect(bodyOf(await callbackOf(click)).type).toBe(6); // DEFERRED_UPDATE_MESSAGE: acknowledged in time, the summary unchanged

    // A follow-up message with the file attached, multipart as Discord takes it.
    const followUp = await fake.waitForCall((c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${click.token}`);
    // Named by the title the notes proposed (docs/architecture.md#coming-back-to-a-meeting).
    const title = (await proposedTitle(sessionId))!;
    expect(followUp.files).toEqual([{ field: 'files[0]', name: exportFilename(title, 'md') }]);
    expect(bodyOf(followUp).content).toBe('📝 Notes as Markdown');
    const [attachment] = (followUp.response as { attachments: Array<{ filename: string; url: string }> }).attachments;
    expect(attachment!.filename).toBe(exportFilename(title, 'md'));
    const markdown = await (await fetch(attachment!.url)).text();
    expect(markdown.startsWith(`# ${title}\n`)).toBe(true);
    for (const todo of todosDocumentSchema.parse(await core.store.getJson(core.layout.todos(sessionId))).todos) expect(markdown).toContain(todo.task);
    // The todos edited from their forms above, as todos.json holds them.
    expect(markdown).toContain('edited by alice');
    expect(markdown).toMatch(/Book the venue for 45 people \(medium · owner Ben · .* · edited by bob · /);
    expect(markdown).toContain(`(${statusPageUrl(bot.h.config.web.publicBaseUrl, sessionId, bot.h.config.web.linkSecret!)}#seg-`);
  });

  it('regenerates its notes from the Regenerate button: a modal, then the results edited in place with the ticks kept, never posted again', async () => {
    const [summary, page] = results as [FakeMessage, FakeMessage];
    const posts = fake.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/messages')).length;
    const chats = bot.h.openai.requests.length;
    const regenerate = buttonsOf(summary).find((b) => b.label === 'Regenerate')!;

    const click = fake.buttonClick({ user: bob, message: summary, customId: regenerate.custom_id });
    const modal = bodyOf(await callbackOf(click)) as unknown as { type: number; data: { custom_id: string; components: Array<{ components: Array<{ custom_id: string }> }> } };
    expect(modal.type).toBe(9); // MODAL, accepted by the fake's check of its shape
    expect(modal.data.components.map((row) => row.components[0]!.custom_id)).toEqual(['instruction', 'model']);

    const submit = fake.modalSubmit({ user: bob, customId: modal.data.custom_id, message: summary, values: { instruction: 'in German', model: '' } });
    expect(bodyOf(await callbackOf(submit))).toMatchObject({ type: 5, data: { flags: 64 } }); // deferred, ephemeral
    await replyOf(submit, /^Rewriting the notes: the results message will be updated\.$/);

    await fake.waitFor(() => summary.content.includes('**Summary** (version 2)'), 30_000);
    await fake.waitFor(() => buttonsOf(page).slice(0, 2).every((b) => b.emoji.name === '✅'));
    expect((await core.sessionService.get(sessionId))?.notesVersion).toBe(2);
    const asked = bot.h.openai.requests.slice(chats).find((r) => r.chat);
    expect(JSON.stringify(asked?.chat?.messages)).toContain('<request>in German</request>');
    expect(fake.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/messages')).length).toBe(posts);
  });

  it('refuses to regenerate for a member whose role may not view the channel: to them alone, nothing queued', async () => {
    const summary = results[0]!;
    const mayNot = new RegExp(`^❌ Only the person who shared this recording and the members of <#${fake.channelId}> can change its notes\\.$`);
    const visitors = fake.addRole({ name: 'regen-visitors', permissions: PERMISSIONS.viewChannel | PERMISSIONS.sendMessages });
    fake.addMember(gina, { roles: [visitors] });
    fake.setOverwrites(fake.channelId, [{ id: visitors, type: 0, allow: PERMISSIONS.none, deny: PERMISSIONS.viewChannel }]);
    const regenerate = buttonsOf(summary).find((b) => b.label === 'Regenerate')!;
    const version = (await core.sessionService.get(sessionId))?.notesVersion;

    // The button: answered with the refusal, for her alone, instead of the form.
    const click = fake.buttonClick({ user: gina, message: summary, customId: regenerate.custom_id });
    const answer = bodyOf(await callbackOf(click)) as unknown as { type: number; data: { content: string; flags: number } };
    expect(answer).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(answer.data.content).toMatch(mayNot);

    // A form submitted anyway (it opened before the overwrite): deferred ephemerally, refused, nothing queued.
    const submit = fake.modalSubmit({ user: gina, customId: regenerate.custom_id, message: summary, values: { instruction: 'in French', model: '' } });
    expect(bodyOf(await callbackOf(submit))).toMatchObject({ type: 5, data: { flags: 64 } });
    await replyOf(submit, mayNot);
    expect(await core.sessionService.get(sessionId)).toMatchObject({ status: 'COMPLETED', notesVersion: version });
  });

  it('a new version with more todos than its pages hold gets more pages in the thread; a shorter one leaves them saying so', async () => {
    const summary = results[0]!;
    const refsOf = async () => (await core.sessionService.get(sessionId))!.resultsMessageRefs;
    const todoPages = async () => Math.ceil((await storedTodos(sessionId)).todos.length / 10);
    const before = await refsOf();
    // The summary, the todo pages, then the "Who spoke?" messages.
    const whoSpoke = before.length - 1 - (await todoPages());
    const more = Array.from({ length: 24 }, (_, i) => ({ task: `Check item ${i + 1} of the release list`, priority: 'low' as const, assignee: null, due: null, context: '', segments: [0] }));
    bot.h.openai.script('chat', replies.withMoreTodos(...more));
    await core.notes.regenerate(sessionId, {}, 'bob');
    const grown = await until('more pages of todos', async () => {
      const refs = await refsOf();
      return refs.length > before.length && refs.length === 1 + (await todoPages()) + whoSpoke ? refs : null;
    });
    expect(grown.slice(0, before.length)).toEqual(before);
    const added = grown.slice(before.length).map((ref) => fake.messages.get(ref.split(':')[1]!)!);
    expect(added.every((m) => m.channel_id === status.id)).toBe(true); // in the session's thread
    const pages = grown.length - 1 - whoSpoke;
    const lastPage = fake.messages.get(grown[pages]!.split(':')[1]!)!;
    expect(lastPage.content).toMatch(new RegExp(`^\\*\\*Todos\\*\\* \\(${pages}/${pages}\\)`));
    expect(added.at(-1)!.content).toContain('**Who spoke?**'); // moved down, after the todos

    await core.notes.regenerate(sessionId, {}, 'bob');
    await fake.waitFor(() => summary.content.includes('**Summary** (version 4)'), 30_000);
    await fake.waitFor(() => added.every((m) => m.content === '-# The todos are all above.'));
    expect(await refsOf()).toEqual(grown); // kept, to be used again when the list grows
  });

  it('can be deleted by its uploader or a moderator, not by someone else', async () => {
    const byBob = fake.slashCommand({ user: bob, options: [{ name: 'action', type: 3, value: 'delete' }, { name: 'id', type: 3, value: sessionId }] });
    await replyOf(byBob, /Only the person who shared this recording/);
    expect(await core.sessionService.get(sessionId)).not.toBeNull();

    const byMod = fake.slashCommand({ user: moderator, permissions: PERMISSIONS.manageMessages, options: [{ name: 'action', type: 3, value: 'delete' }, { name: 'id', type: 3, value: sessionId }] });
    await replyOf(byMod, /Deleted/);
    expect(await core.sessionService.get(sessionId)).toBeNull();
    expect(await core.store.exists(core.layout.todos(sessionId))).toBe(false);

    // "Notes as Markdown" left in the thread now tells whoever clicks it, and only them; no file is sent.
    const button = buttonsOf(results[0]!).find((b) => b.label === 'Notes as Markdown')!;
    const click = fake.buttonClick({ user: bob, message: results[0]!, customId: button.custom_id });
    const note = await fake.waitForCall((c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${click.token}`);
    expect(note.body).toMatchObject({ content: '❌ This meeting no longer exists.', flags: 64 }); // EPHEMERAL
    expect(note.files).toBeUndefined();
  });
});

describe('speakers named from the thread', () => {
  const annaUser: FakeUser = { id: '200000000000000009', username: 'anna', globalName: 'Anna K' };
  let anna: FakeMember;
  let sessionId: string;
  let page: FakeMessage;
  let whoSpoke: FakeMessage;

  const contentEdits = (m: FakeMessage, since: number) => fake.calls.slice(since).filter((c) => c.method === 'PATCH' && c.status === 200 && c.path === `/channels/${m.channel_id}/messages/${m.id}`);
  const selectOf = (m: FakeMessage, label: string) =>
    (m.components as Array<{ components: Array<{ type: number; custom_id: string; default_values?: Array<{ id: string }> }> }>).flatMap((r) => r.components).find((c) => c.type === 5 && c.custom_id.endsWith(`:${label}`));

  it('asks who spoke with a user select per speaker, after the todos', async () => {
    anna = fake.addMember(annaUser);
    const attachment = fake.upload({ name: 'names.mp4', bytes: bot.video, contentType: 'video/mp4' });
    const drop = fake.messageCreate({ author: alice, attachments: [attachment] });
    const post = await fake.waitForCall((c) => c.method === 'POST' && bodyOf(c).message_reference?.message_id === drop.id);
    const status = fake.messages.get((post.response as FakeMessage).id)!;
    [, page, whoSpoke] = (await finished(status)) as [FakeMessage, FakeMessage, FakeMessage];
    const session = await until('the results refs', async () => {
      const s = (await sessionsOf(core, { platform: 'discord', workspaceId: fake.guildId, externalId: alice.id }, 50)).find((m) => m.origin.threadRef === status.id);
      return s && s.resultsMessageRefs.length === 3 ? s : null;
    });
    sessionId = session.id;
    expect(whoSpoke.content).toContain('**Who spoke?**');
    expect(whoSpoke.content).toContain('Mentioned in the meeting: Anna');
    expect(whoSpoke.content).toContain("**Speaker 2**\n> Yes, I'll have them by Thursday.");
    expect(selectOf(whoSpoke, 'SPEAKER_01')).toMatchObject({ custom_id: `wn:speaker:${sessionId}:SPEAKER_01` });
  });

  it("links a picked member: one edit of the todos message, that member's todo mentioning them, and no new message", async () => {
    const owned = todosDocumentSchema.parse(await core.store.getJson(core.layout.todos(sessionId))).todos.find((t) => t.assignee === 'SPEAKER_01')!;
    const since = fake.calls.length;
    const pick = fake.userSelect({ user: bob, message: whoSpoke, customId: selectOf(whoSpoke, 'SPEAKER_01')!.custom_id, selected: anna });
    expect(bodyOf(await callbackOf(pick)).type).toBe(6); // DEFERRED_UPDATE_MESSAGE: acknowledged in time

    const edit = await fake.waitFor(() => contentEdits(page, since)[0]);
    const line = bodyOf(edit).content.split('\n').findIndex((l) => l.includes(`**${owned.id}.**`));
    expect(bodyOf(edit).content.split('\n')[line + 1]).toMatch(new RegExp(`👤 <@${annaUser.id}>$`));
    expect(bodyOf(edit).content.match(/<@\d+>/g)).toEqual([`<@${annaUser.id}>`]); // on that todo only
    expect((edit.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
    // The "Who spoke?" message shows who was chosen, under the name the guild shows for them.
    await fake.waitFor(() => whoSpoke.content.includes(`**Anna K** · <@${annaUser.id}>`));
    expect(selectOf(whoSpoke, 'SPEAKER_01')!.default_values).toEqual([{ id: annaUser.id, type: 'user' }]);
    expect(await core.speakers.members(sessionId)).toEqual({ SPEAKER_01: annaUser.id });

    // A tick after it: its re-render comes after any the naming caused, so the count is final.
    await core.todos.service.setCompleted(sessionId, '1', true, null);
    await fake.waitFor(() => page.content.includes('✅ **1.**'));
    expect(contentEdits(page, since)).toHaveLength(2); // the naming's one edit, then the tick's
    expect(fake.calls.slice(since).filter((c) => c.method === 'POST' && /\/messages$/.test(c.path))).toEqual([]);
  });

  it("follows the member's nickname in the guild when the results are rendered again", async () => {
    anna.nick = 'Anna the PM';
    await core.todos.service.setCompleted(sessionId, '1', false, null);
    await fake.waitFor(() => whoSpoke.content.includes(`**Anna the PM** · <@${annaUser.id}>`));
    expect(await core.speakers.names(sessionId)).toEqual({ SPEAKER_01: 'Anna the PM' });
    expect(fake.calls.some((c) => c.method === 'GET' && c.path === `/guilds/${fake.guildId}/members/${annaUser.id}`)).toBe(true);
  });

  it('answers `/whisper action:speakers` privately: the thread already asks who spoke', async () => {
    const asked = fake.slashCommand({ user: bob, options: [{ name: 'action', type: 3, value: 'speakers' }, { name: 'id', type: 3, value: sessionId }] });
    const reply = await replyOf(asked, /already asks who spoke: pick the people there/);
    expect(bodyOf(reply).content).toBe(`The thread of \`${sessionId}\` already asks who spoke: pick the people there.`);
    expect(messagesIn(page.channel_id)).toHaveLength(3); // nothing posted twice
  });
});

describe('a recording whose notes could not be written', () => {
  /** `user` drops a recording while the LLM refuses: it fails, with a Retry button on its status message. */
  async function failedRecording(user: FakeUser, name: string) {
    bot.h.openai.always('chat', replies.unauthorized());
    const attachment = fake.upload({ name, bytes: bot.video, contentType: 'video/mp4' });
    const drop = fake.messageCreate({ author: user, content: 'notes please', attachments: [attachment] });
    const post = await fake.waitForCall((c) => c.method === 'POST' && bodyOf(c).message_reference?.message_id === drop.id);
    const status = fake.messages.get((post.response as FakeMessage).id)!;
    const retry = await fake.waitFor(() => status.components.length > 0 && buttonsOf(status).find((b) => b.label === 'Retry'), 30_000);
    expect(status.content).toMatch(/OPENAI_API_KEY/);
    bot.h.openai.always('chat', null);
    const session = (await sessionsOf(core, { platform: 'discord', workspaceId: fake.guildId, externalId: user.id })).find((s) => s.origin.threadRef === status.id)!;
    expect(session).toMatchObject({ filename: name, status: 'FAILED' });
    return { session, status, retry };
  }

  /** The retro's status message: its thread is where a request made inside it stays. */
  let retroThread: string;
  const memberLookups = (u: FakeUser) => fake.calls.filter((c) => c.method === 'GET' && c.path === `/guilds/${fake.guildId}/members/${u.id}`);

  it('gets a Retry button: refused to a member whose role may not view the channel, run again from its transcript for one who may', async () => {
    const { session, status, retry } = await failedRecording(alice, 'retro.mp4');
    retroThread = status.id;
    const transcriptions = bot.h.whisperx.requests.length;
    const mayNot = new RegExp(`^Only the person who shared this recording and the members of <#${fake.channelId}> can change its notes\\.$`);
    // Guests are in the server, but an overwrite denies their role the channel.
    const guests = fake.addRole({ name: 'guests', permissions: PERMISSIONS.viewChannel | PERMISSIONS.sendMessages });
    fake.addMember(carol, { roles: [guests] });
    fake.setOverwrites(fake.channelId, [{ id: guests, type: 0, allow: PERMISSIONS.none, deny: PERMISSIONS.viewChannel }]);

    const byCarol = fake.buttonClick({ user: carol, message: status, customId: retry.custom_id });
    expect(bodyOf(await callbackOf(byCarol))).toMatchObject({ type: 5, data: { flags: 64 } }); // deferred, ephemeral
    await replyOf(byCarol, mayNot);
    // From another channel, by command: refused too, without asking Discord again within the minute.
    const fromElsewhere = fake.slashCommand({ user: carol, channelId: fake.otherChannelId, options: [{ name: 'action', type: 3, value: 'retry' }, { name: 'id', type: 3, value: session.id }] });
    expect(bodyOf(await callbackOf(fromElsewhere))).toMatchObject({ type: 5, data: { flags: 64 } });
    await replyOf(fromElsewhere, mayNot);
    expect(memberLookups(carol).map((c) => c.status)).toEqual([200]);
    expect((await core.sessionService.get(session.id))?.status).toBe('FAILED');

    // Frank may view the channel (as @everyone may); Discord first answers his lookup with a 429.
    fake.rateLimit({ method: 'GET', path: new RegExp(`/members/${frank.id}$`) }, 0.3);
    const byFrank = fake.buttonClick({ user: frank, message: status, customId: retry.custom_id });
    await replyOf(byFrank, /^Trying `[0-9a-f-]+` \(retro\.mp4\) again from its transcript\.$/);
    expect(memberLookups(frank).map((c) => c.status)).toEqual([429, 200]); // discord.js waited out the 429 and retried
    await finished(status);
    expect(status.components).toEqual([]);
    expect(bot.h.whisperx.requests.length - transcriptions).toBe(0);
    expect((await core.sessionService.get(session.id))?.status).toBe('COMPLETED');
  });

  it('judges a session started inside a thread by the channel the thread is in', async () => {
    const visitors = fake.addRole({ name: 'visitors', permissions: PERMISSIONS.viewChannel | PERMISSIONS.sendMessages });
    fake.addMember(erin, { roles: [visitors] });
    fake.setOverwrites(fake.channelId, [{ id: visitors, type: 0, allow: PERMISSIONS.none, deny: PERMISSIONS.viewChannel }]);
    // A request made inside a thread stays there: the session's channel is the thread. Its upload never finished.
    const inThread = await core.sessions.create({
      id: randomUUID(),
      userId: await core.users.resolve({ platform: 'discord', workspaceId: fake.guildId, externalId: alice.id }),
      filename: 'hallway.mp4',
      origin: { platform: 'discord', workspaceId: fake.guildId, channelId: retroThread, threadRef: retroThread, statusMessageRef: null },
      sourceKind: 'upload',
      options: DEFAULT_OPTIONS,
    });
    await core.sessions.update(inThread.id, { status: 'FAILED', errorCode: 'UPLOAD_INTERRUPTED', errorMessage: 'The upload stopped.' });
    const retryIt = (user: FakeUser) => fake.slashCommand({ user, options: [{ name: 'action', type: 3, value: 'retry' }, { name: 'id', type: 3, value: inThread.id }] });

    await replyOf(retryIt(erin), new RegExp(`^Only the person who shared this recording and the members of <#${retroThread}> can change its notes\\.$`));
    // Past the members' check: bob may view the thread's channel (the bot knows the thread's parent from THREAD_CREATE).
    await replyOf(retryIt(bob), /never finished uploading/);
    expect((await core.sessionService.get(inThread.id))?.status).toBe('FAILED');
  });

  it('is run again for the person who shared it, though an overwrite now hides the channel from them', async () => {
    const { session, status, retry } = await failedRecording(dave, 'planning.mp4');
    fake.setOverwrites(fake.channelId, [{ id: dave.id, type: 1, allow: PERMISSIONS.none, deny: PERMISSIONS.viewChannel }]);
    const byDave = fake.buttonClick({ user: dave, message: status, customId: retry.custom_id });
    await replyOf(byDave, /^Trying `[0-9a-f-]+` \(planning\.mp4\) again from its transcript\.$/);
    expect(memberLookups(dave)).toEqual([]); // the uploader is known without asking Discord
    await finished(status);
    expect((await core.sessionService.get(session.id))?.status).toBe('COMPLETED');
  });
});

describe('/whisper action:list and action:rename', () => {
  /** A finished meeting shared in a channel by `user`, as stored once its notes are written. */
  async function sharedMeeting(user: FakeUser, channelId: string, title: string) {
    const userId = await core.users.resolve({ platform: 'discord', workspaceId: fake.guildId, externalId: user.id });
    const origin = { platform: 'discord' as const, workspaceId: fake.guildId, channelId, threadRef: null, statusMessageRef: null };
    // Not web-fixture's completedSession: importing the web app here breaks discord.js's multipart uploads (undici's FormData).
    const { id } = await uploadingSession(core, userId, { origin });
    await storeNotes(core, id, { ...NOTES, title }, transcriptOf(SEGMENTS));
    await core.sessions.transition(id, ['UPLOADING'], { status: 'COMPLETED', stage: 'done', percent: 100, transcriptPath: refPath(core.layout.transcript(id)) });
    return id;
  }
  const action = (value: string, more: Array<{ name: string; value: string }> = []) => [{ name: 'action', type: 3 as const, value }, ...more.map((o) => ({ ...o, type: 3 as const }))];

  it("answers, to the person alone, with their meetings and the channel's, someone else's included, each linking to its page", async () => {
    const bobsHere = await sharedMeeting(bob, fake.channelId, `Budget ${randomUUID().slice(0, 8)}`);
    const alicesElsewhere = await sharedMeeting(alice, fake.otherChannelId, 'Hiring sync');
    const bobsElsewhere = await sharedMeeting(bob, fake.otherChannelId, 'Not listed');

    const command = fake.slashCommand({ user: alice, options: action('list') });
    expect(bodyOf(await callbackOf(command)).data?.flags).toBe(64);
    const { content } = bodyOf(await replyOf(command, /recent meetings/));
    const lines = content.split('\n');
    const page = statusPageUrl(bot.h.config.web.publicBaseUrl, bobsHere, bot.h.config.web.linkSecret!);
    expect(lines.find((l) => l.startsWith(`\`${bobsHere}\``))).toMatch(
      new RegExp(`^\`${bobsHere}\` Budget \\w+ · \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC · \\d\\d:\\d\\d:\\d\\d · done · ${NOTES.todos.length} open todos · \\[open\\]\\(${page.replace(/[.?]/g, '\\$&')}\\)$`),
    );
    expect(lines.some((l) => l.startsWith(`\`${alicesElsewhere}\` Hiring sync`))).toBe(true);
    expect(content).not.toContain(bobsElsewhere);
  });

  it('renames a meeting for the person who shared it, and the list shows the new title', async () => {
    const id = await sharedMeeting(alice, fake.channelId, 'Weekly');
    const rename = fake.slashCommand({ user: alice, options: action('rename', [{ name: 'id', value: id }, { name: 'title', value: 'Roadmap review' }]) });
    await replyOf(rename, new RegExp(`\`${id}\` is now called “Roadmap review”\\.`));
    expect((await core.sessionService.get(id))?.title).toBe('Roadmap review');
    await replyOf(fake.slashCommand({ user: bob, options: action('list') }), new RegExp(`\`${id}\` Roadmap review · `));

    const noTitle = fake.slashCommand({ user: alice, options: action('rename', [{ name: 'id', value: id }]) });
    await replyOf(noTitle, /Add the recording's id and its new title/);
  });
});

describe('/whisper link:', () => {
  it('defers, answers privately, and runs the job in a thread — through gateway reconnects mid-job', async () => {
    bot.h.whisperx.failNext({ kind: 'delay', ms: 3000 }); // keeps the job busy while the gateway drops
    const command = fake.slashCommand({ user: alice, options: [{ name: 'link', type: 3, value: `${bot.links.url}/standup.mp4` }] });
    const deferred = bodyOf(await callbackOf(command));
    expect(deferred).toMatchObject({ type: 5, data: { flags: 64 } }); // deferred, ephemeral

    const reply = await replyOf(command, /Working on it in <#\d+>/);
    const [, threadId, sessionId] = /<#(\d+)> · id `([0-9a-f-]{36})`/.exec(bodyOf(reply).content)!;
    const status = fake.messages.get(threadId!)!;
    expect(status.channel_id).toBe(fake.channelId);
    expect(status.content).toContain('standup.mp4');

    // Mid-job: Discord asks for a reconnect, then the connection drops; the bot resumes both times.
    await fake.waitFor(() => /Transcribing/.test(status.content));
    fake.reconnect('op7');
    await fake.waitFor(() => fake.gateway.resumes.length >= 1);
    fake.reconnect('close');
    await fake.waitFor(() => fake.gateway.resumes.length >= 2);
    expect(fake.gateway.identifies).toEqual([{ token: fake.token, intents: 1 + 512 + 32768 }]); // Guilds, GuildMessages, MessageContent
    expect(fake.gateway.connections.slice(1)).toEqual(['/resume', '/resume']);
    expect((await core.sessionService.get(sessionId!))!.status).not.toBe('COMPLETED');

    const results = await finished(status);
    expect((await core.sessionService.get(sessionId!))!).toMatchObject({ status: 'COMPLETED', origin: { threadRef: threadId } });

    // Events still arrive after the resumes: a click is handled.
    const page = results[1]!;
    fake.buttonClick({ user: alice, message: page, customId: togglesOf(page)[0]!.custom_id });
    await fake.waitFor(() => togglesOf(page)[0]!.emoji.name === '✅');
    const todos = todosDocumentSchema.parse(await core.store.getJson(core.layout.todos(sessionId!)));
    expect(todos.todos[0]!.completed).toBe(true);
    expect(fake.gateway.heartbeats).toBeGreaterThan(0);
  });
});

describe('/whisper attachment:', () => {
  it('starts a session from the attached recording', async () => {
    const attachment = fake.upload({ name: 'retro.mp4', bytes: bot.video, contentType: 'video/mp4' });
    const command = fake.slashCommand({ user: bob, options: [{ name: 'attachment', type: 11, value: attachment.id }], attachments: [attachment] });
    const reply = await replyOf(command, /Working on it in <#\d+>/);
    const [, threadId, sessionId] = /<#(\d+)> · id `([0-9a-f-]{36})`/.exec(bodyOf(reply).content)!;
    await finished(fake.messages.get(threadId!)!);
    expect(fake.cdnHits).toContain(new URL(attachment.url).pathname);
    expect(await core.sessionService.get(sessionId!)).toMatchObject({ status: 'COMPLETED', filename: 'retro.mp4' });
  });

  it('says so when the file is not a recording', async () => {
    const notes = fake.upload({ name: 'notes.txt', bytes: Buffer.from('hello'), contentType: 'text/plain; charset=utf-8' });
    const command = fake.slashCommand({ user: bob, options: [{ name: 'attachment', type: 11, value: notes.id }], attachments: [notes] });
    await replyOf(command, /notes\.txt is not a video or audio recording/);
    expect(fake.cdnHits).not.toContain(new URL(notes.url).pathname);
  });
});

describe('bad input', () => {
  it('ignores attachments that are not recordings, without a word', async () => {
    const before = fake.calls.length;
    const pdf = fake.upload({ name: 'agenda.pdf', bytes: Buffer.from('%PDF-1.4 agenda'), contentType: 'application/pdf' });
    const drop = fake.messageCreate({ author: alice, attachments: [pdf] });
    // A command after it: once it is answered, the drop before it has been handled too.
    const help = fake.slashCommand({ user: alice, options: [] });
    await replyOf(help, /\/whisper link:/);
    // Nothing answers the drop: no reply to it, no thread or reaction on it. (An earlier test's session may
    // still edit its own messages meanwhile; that is not an answer to this drop.)
    const since = fake.calls.slice(before);
    expect(since.filter((c) => c.path.includes(drop.id) || bodyOf(c)?.message_reference?.message_id === drop.id)).toEqual([]);
    expect(since.filter((c) => c.method === 'POST' && c.path === `/channels/${fake.channelId}/messages`)).toEqual([]);
    expect(fake.cdnHits).not.toContain(new URL(pdf.url).pathname);
  });

  it('refuses an attachment over the size cap with a clear reply, before downloading it', async () => {
    const big = fake.upload({ name: 'allhands.mp4', bytes: bot.video, contentType: 'video/mp4', size: 5_000_000_000 });
    const drop = fake.messageCreate({ author: alice, attachments: [big] });
    const reply = await fake.waitForCall((c) => c.method === 'POST' && bodyOf(c).message_reference?.message_id === drop.id);
    expect(bodyOf(reply).content).toMatch(/allhands\.mp4: This file is 5\.0 GB; the limit is 3\.0 MB/);
    expect(fake.cdnHits).not.toContain(new URL(big.url).pathname);
    expect(fake.calls.some((c) => c.path === `/channels/${fake.channelId}/messages/${(reply.response as FakeMessage).id}/threads`)).toBe(false);
  });

  it('answers a private-network link with a clear reply and never connects to it', async () => {
    const command = fake.slashCommand({ user: bob, options: [{ name: 'link', type: 3, value: forbidden.url }] });
    await replyOf(command, /❌ That link points to a private or internal network address/);
    expect(forbidden.connections).toBe(0);
  });

  it('answers a dead link with a clear reply, in the thread too', async () => {
    const command = fake.slashCommand({ user: bob, options: [{ name: 'link', type: 3, value: `${bot.links.url}/gone.mp4` }] });
    const working = await replyOf(command, /Working on it in <#\d+>/);
    await replyOf(command, /❌ Nothing was found at that link \(HTTP 404\)/);
    const threadId = /<#(\d+)>/.exec(bodyOf(working).content)![1]!;
    await fake.waitFor(() => /❌ Nothing was found at that link/.test(fake.messages.get(threadId)!.content));
  });

  it('explains how to use the options when they are mixed or incomplete', async () => {
    const both = fake.slashCommand({ user: bob, options: [{ name: 'link', type: 3, value: `${bot.links.url}/standup.mp4` }, { name: 'action', type: 3, value: 'list' }] });
    await replyOf(both, /Use one of `link`, `attachment` or `action` at a time/);
    const noId = fake.slashCommand({ user: bob, options: [{ name: 'action', type: 3, value: 'status' }] });
    await replyOf(noId, /Add the recording's id/);
  });
});

describe('asking the bot about a meeting in its thread', () => {
  let session: Session;

  it('answers a mention in the thread, citing a real moment as a link to the page at that line; an invented one never reaches the chat', async () => {
    const attachment = fake.upload({ name: 'pricing.mp4', bytes: bot.video, contentType: 'video/mp4' });
    const drop = fake.messageCreate({ author: alice, attachments: [attachment] });
    const post = await fake.waitForCall((c) => c.method === 'POST' && bodyOf(c).message_reference?.message_id === drop.id);
    const status = fake.messages.get((post.response as FakeMessage).id)!;
    await finished(status);
    session = (await core.sessionService.inThread({ platform: 'discord', workspaceId: fake.guildId, channelId: null, threadRef: status.id }))!;
    const transcript = storedTranscriptSchema.parse(await core.store.getJson(core.layout.transcript(session.id)));
    const cited = transcript.segments[1]!;
    bot.h.openai.script('chat', replies.answer('We start at ten euros a seat.', [cited.id, 999_999]));

    const asked = fake.messageCreate({ author: bob, content: 'what did we decide about pricing?', channelId: status.id, mentions: [fake.bot] });
    const reply = await fake.waitForCall((c) => c.method === 'POST' && bodyOf(c).message_reference?.message_id === asked.id);
    const page = statusPageUrl(bot.h.config.web.publicBaseUrl, session.id, bot.h.config.web.linkSecret!);
    expect(reply.path).toBe(`/channels/${status.id}/messages`);
    expect(bodyOf(reply).content).toBe(`> what did we decide about pricing?\nWe start at ten euros a seat.\nFrom [${formatTimestamp(cited.start)}](${page}#seg-${cited.id})`);
    expect(fake.calls.some((c) => JSON.stringify(c.body ?? '').includes('999999'))).toBe(false);
    expect(await core.questions.list(session.id)).toEqual([expect.objectContaining({ askedBy: 'bob', citations: [{ segment: cited.id, start: cited.start }] })]);

    // A message in the thread that does not mention the bot is none of its business.
    const since = fake.calls.length;
    fake.messageCreate({ author: bob, content: 'thanks!', channelId: status.id });
    const mentioned = fake.messageCreate({ author: bob, content: '', channelId: status.id, mentions: [fake.bot] });
    const refused = await fake.waitForCall((c) => c.method === 'POST' && bodyOf(c).message_reference?.message_id === mentioned.id);
    expect(bodyOf(refused).content).toBe('❌ The question is empty: ask something about the meeting.');
    expect(fake.calls.slice(since).filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('answers `/whisper action:ask` privately to a member of the channel, and refuses an empty question', async () => {
    bot.h.openai.script('chat', replies.answer('We start at ten euros a seat.', []));
    const asked = fake.slashCommand({ user: bob, options: [{ name: 'action', type: 3, value: 'ask' }, { name: 'id', type: 3, value: session.id }, { name: 'question', type: 3, value: 'what is the price?' }] });
    const reply = await replyOf(asked, /^> what is the price\?/);
    expect(bodyOf(reply).content).toBe('> what is the price?\nWe start at ten euros a seat.');

    const noQuestion = fake.slashCommand({ user: bob, options: [{ name: 'action', type: 3, value: 'ask' }, { name: 'id', type: 3, value: session.id }] });
    await replyOf(noQuestion, /^❌ The question is empty: ask something about the meeting\.$/);
    expect(await core.questions.list(session.id)).toHaveLength(2);
  });
});
