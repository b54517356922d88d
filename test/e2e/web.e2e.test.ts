import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TodoChangesRepository } from '../../core/db/todo-changes.repository.js';
import { buildDocuments, todosDocumentSchema, type Todo } from '../../core/domain/todos.js';
import { replaceNotes } from '../../processor/jobs/replace-notes.js';
import { progressNames } from '../../core/progress/redis.progress-bus.js';
import { todoNames } from '../../core/todos/redis.todo-events.js';
import { AppError } from '../../core/errors.js';
import { AUTHORIZED } from '../../core/sessions/session.service.js';
import type { SessionJson } from '../../web/app.js';
import { NOTES, openStream, startWebFixture, type SseEvent, type WebFixture } from './web-fixture.js';

let f: WebFixture;

beforeAll(async () => {
  f = await startWebFixture({ heartbeatMs: 100 });
});
afterAll(async () => {
  await f?.close();
});

const progressOf = (events: SseEvent[]) => events.filter((e) => e.event === 'progress').map((e) => JSON.parse(e.data) as unknown);
const storedTodos = async (id: string) => todosDocumentSchema.parse(await f.core.store.getJson(f.core.layout.todos(id))).todos;
const getSession = async (url: string) => (await (await fetch(url)).json()) as SessionJson;
const patch = (path: string, body: unknown) =>
  fetch(`${f.base}${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Connections this test's prefix named: the subscriber is `…whisper-notes:progress-feed`. */
async function ourConnections(): Promise<string[]> {
  const list = (await f.redis.client('LIST')) as string;
  return list
    .split('\n')
    .map((line) => / name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith(f.config.redis.keyPrefix));
}

describe('capability tokens', () => {
  it('answer 404 with the same body for a missing token, a wrong one, another session’s, and an unknown session', async () => {
    const session = await f.processingSession();
    const other = await f.processingSession();
    const unknown = randomUUID();
    const id = session.id;
    const variants = [
      `${id}`,
      `${id}?t=`,
      `${id}?t=${f.token(id).slice(0, -2)}xx`,
      `${id}?t=${f.token(other.id)}`,
      `${unknown}?t=${f.token(unknown)}`,
      `not-a-uuid?t=${f.token('not-a-uuid')}`,
    ];
    for (const prefix of ['/s/', '/api/sessions/', '/api/progress/']) {
      const answers = await Promise.all(variants.map(async (v) => {
        const r = await fetch(`${f.base}${prefix}${v}`);
        return [r.status, await r.text()] as const;
      }));
      expect(answers.map(([s]) => s)).toEqual(variants.map(() => 404));
      expect(new Set(answers.map(([, body]) => body)).size).toBe(1);
      expect(answers[0]![1]).not.toContain(id);
    }
    const ticks = await Promise.all(variants.map((v) => patch(`/api/sessions/${v.replace('?', '/todos/1?')}`, { completed: true })));
    expect(ticks.map((r) => r.status)).toEqual(variants.map(() => 404));
    // The right token opens it.
    expect((await fetch(`${f.base}/api/sessions/${id}?t=${f.token(id)}`)).status).toBe(200);
  });

  it('the not-found page links back to the upload page, which this server has', async () => {
    const page = await (await fetch(`${f.base}/s/${randomUUID()}`)).text();
    expect(page).toContain(`<a href="${f.config.web.publicBaseUrl}">Upload a recording</a>`);
  });
});

describe('requests fastify refuses itself', () => {
  /** Sent as written: fetch would normalise the path. */
  const rawGet = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get(`${f.base}${path}`, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });

  it('answer a bad URL or an over-long parameter with the generic body, never echoing the path', async () => {
    const generic = { error: { code: 'BAD_REQUEST', message: 'The request was not understood.' } };
    const long = `/s/${'x'.repeat(300)}`;
    for (const [path, status] of [['/%', 400], ['/s/%zz', 400], [long, 414]] as const) {
      const answer = await rawGet(path);
      expect([path, answer.status, JSON.parse(answer.body)]).toEqual([path, status, generic]);
    }
  });
});

describe('JSON API', () => {
  it('shows a running session’s progress, then the summary and todos, without internal references', async () => {
    const { id } = await f.processingSession();
    const url = `${f.base}/api/sessions/${id}?t=${f.token(id)}`;
    await f.core.progress.report(id, 'PROCESSING', 'transcribe', 0.5, 'Transcribing (0:02 of 0:04)');
    const running = await getSession(url);
    expect(running).toMatchObject({
      session: { id, status: 'PROCESSING', filename: 'weekly-sync.mp4' },
      progress: { sessionId: id, seq: 2, stage: 'transcribe', percent: 45 },
      summary: null,
      todos: null,
    });
    // Nothing about who started it, where, or where it is stored.
    expect(Object.keys(running.session).sort()).toEqual(
      ['contentType', 'createdAt', 'durationSeconds', 'error', 'filename', 'id', 'language', 'percent', 'stage', 'status', 'updatedAt'],
    );

    await f.complete(id);
    const done = await getSession(url);
    expect(done.progress).toMatchObject({ status: 'COMPLETED', percent: 100 });
    expect(done.summary).toMatchObject({ summary: NOTES.summary, key_points: NOTES.keyPoints });
    expect(done.todos!.todos.map((t) => t.task)).toEqual(NOTES.todos.map((t) => t.task));

    // The media link is presigned and serves byte ranges, so the player can seek.
    const range = await fetch(done.media!.url, { headers: { range: 'bytes=0-99' } });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(100);
  });

  it('shows the row’s final state when the progress key is gone', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    await f.core.bus.forget(id);
    const body = await getSession(`${f.base}/api/sessions/${id}?t=${f.token(id)}`);
    expect(body.progress).toMatchObject({ status: 'COMPLETED', stage: 'done', percent: 100, seq: 0 });
  });
});

describe('event stream', () => {
  it('sends the current state first, then live events with their seq as id, and closes after COMPLETED', async () => {
    const { id } = await f.processingSession();
    await f.core.progress.report(id, 'PROCESSING', 'audio', 0.5, 'Extracting the audio');
    const stream = await openStream(`${f.base}/api/progress/${id}?t=${f.token(id)}`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    await vi.waitFor(() => expect(stream.events.length).toBe(1));
    expect(stream.events[0]).toMatchObject({ id: '2', event: 'progress' });
    expect(progressOf(stream.events)[0]).toMatchObject({ seq: 2, stage: 'audio' });

    for (let i = 1; i <= 5; i++) await f.core.progress.report(id, 'PROCESSING', 'transcribe', i / 5, `Transcribing ${i}`);
    await f.complete(id);
    await stream.ended;
    expect(stream.events.map((e) => e.id)).toEqual(['2', '3', '4', '5', '6', '7', '8']);
    expect(progressOf(stream.events).at(-1)).toMatchObject({ status: 'COMPLETED', seq: 8 });
  });

  it('honours Last-Event-ID: skips what was seen, and answers 204 once the final state was seen', async () => {
    const { id } = await f.processingSession();
    for (let i = 1; i <= 3; i++) await f.core.progress.report(id, 'PROCESSING', 'transcribe', i / 4, `Transcribing ${i}`);
    const url = `${f.base}/api/progress/${id}?t=${f.token(id)}`;

    const caughtUp = await openStream(url, { 'last-event-id': '4' });
    await f.core.progress.report(id, 'PROCESSING', 'align', 0, 'Aligning');
    await vi.waitFor(() => expect(caughtUp.events.length).toBe(1));
    expect(caughtUp.events[0]!.id).toBe('5'); // the current state (seq 4) was seen already
    caughtUp.close();

    const behind = await openStream(url, { 'last-event-id': '2' });
    await vi.waitFor(() => expect(behind.events.length).toBe(1));
    expect(behind.events[0]!.id).toBe('5'); // the current state is newer than what it saw
    behind.close();

    await f.complete(id);
    const afterFinal = await openStream(url, { 'last-event-id': '6' });
    expect(afterFinal.status).toBe(204);
    const missedFinal = await openStream(url, { 'last-event-id': '5' });
    await missedFinal.ended;
    expect(progressOf(missedFinal.events)).toMatchObject([{ status: 'COMPLETED', seq: 6 }]);
  });

  it('keeps idle streams alive with comment lines', async () => {
    const { id } = await f.processingSession();
    const stream = await openStream(`${f.base}/api/progress/${id}?t=${f.token(id)}`);
    await vi.waitFor(() => expect(stream.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(2));
    stream.close();
  });

  it('ends with FAILED and the user’s sentence', async () => {
    const { id } = await f.processingSession();
    const stream = await openStream(`${f.base}/api/progress/${id}?t=${f.token(id)}`);
    await vi.waitFor(() => expect(stream.events.length).toBe(1));
    await f.core.sessions.transition(id, ['PROCESSING'], { status: 'FAILED', errorCode: 'NO_AUDIO', errorMessage: 'The recording has no sound.' });
    await f.core.progress.fail(id, 'audio', new AppError('NO_AUDIO', 'The recording has no sound.'));
    await stream.ended;
    expect(progressOf(stream.events).at(-1)).toMatchObject({ status: 'FAILED', error: { code: 'NO_AUDIO', message: 'The recording has no sound.' } });
  });

  it('serves many viewers from one Redis subscriber connection, and counts them in /metrics', async () => {
    const sessions = await Promise.all([f.processingSession(), f.processingSession()]);
    const first = await openStream(`${f.base}/api/progress/${sessions[0].id}?t=${f.token(sessions[0].id)}&follow=todos`);
    await vi.waitFor(() => expect(first.events.length).toBe(1));
    const before = await ourConnections();
    expect(before.filter((n) => n.endsWith('whisper-notes:progress-feed'))).toHaveLength(1);

    const viewers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const { id } = sessions[i % 2]!;
        return openStream(`${f.base}/api/progress/${id}?t=${f.token(id)}&follow=todos`);
      }),
    );
    await vi.waitFor(() => expect(viewers.every((v) => v.events.length === 1)).toBe(true));
    expect((await ourConnections()).sort()).toEqual(before.sort());
    const names = progressNames(f.config.redis.keyPrefix);
    for (const { id } of sessions) {
      expect(await f.redis.pubsub('NUMSUB', names.channel(id))).toEqual([names.channel(id), 1]);
      expect(await f.redis.pubsub('NUMSUB', todoNames(f.config.redis.keyPrefix).channel(id))).toEqual([todoNames(f.config.redis.keyPrefix).channel(id), 1]);
    }
    const metrics = await (await fetch(`${f.base}/metrics`)).text();
    expect(metrics).toMatch(/^whisper_notes_sse_viewers 61$/m);

    const event = await f.core.bus.publish({ sessionId: sessions[1].id, status: 'PROCESSING', stage: 'transcribe', percent: 30, message: 'Transcribing' });
    const watching = viewers.filter((_, i) => i % 2 === 1);
    await vi.waitFor(() => expect(watching.every((v) => v.events.length === 2)).toBe(true));
    for (const v of watching) expect(JSON.parse(v.events[1]!.data)).toEqual(event);

    for (const v of [first, ...viewers]) v.close();
    await vi.waitFor(async () => expect(await (await fetch(`${f.base}/metrics`)).text()).toMatch(/^whisper_notes_sse_viewers 0$/m));
    const counted = await (await fetch(`${f.base}/metrics`)).text();
    expect(counted).toMatch(/whisper_notes_http_requests_total\{method="GET",route="\/metrics",status="200"\} \d+/);
    // Each closed stream counts once, as a 200 of its route.
    const streams = Number(/whisper_notes_http_requests_total\{method="GET",route="\/api\/progress\/:sessionId",status="200"\} (\d+)/.exec(counted)?.[1]);
    expect(streams).toBeGreaterThanOrEqual(61);
  });
});

describe('ticking todos', () => {
  it('PATCH saves the tick in todos.json and viewers following todos see it live', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const q = `?t=${f.token(id)}`;
    const viewer = await openStream(`${f.base}/api/progress/${id}${q}&follow=todos`);
    await vi.waitFor(() => expect(viewer.events.length).toBe(1));
    expect(progressOf(viewer.events)[0]).toMatchObject({ status: 'COMPLETED' }); // and still open

    const r = await patch(`/api/sessions/${id}/todos/2${q}`, { completed: true });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { todo: unknown }).todo).toMatchObject({ id: '2', completed: true });
    expect((await storedTodos(id)).map((t) => t.completed)).toEqual([false, true, false]);
    expect((await storedTodos(id))[1]!.completed_at).not.toBeNull();
    await vi.waitFor(() => expect(viewer.events.length).toBe(2));
    expect(viewer.events[1]).toMatchObject({ event: 'todo' });
    expect(viewer.events[1]!.id).toBeUndefined();
    expect(JSON.parse(viewer.events[1]!.data)).toMatchObject({ sessionId: id, todoId: '2', completed: true, by: null });
    viewer.close();

    expect((await patch(`/api/sessions/${id}/todos/2${q}`, { completed: 'yes' })).status).toBe(400);
    expect((await patch(`/api/sessions/${id}/todos/2${q}`, { completed: true, extra: 1 })).status).toBe(400);
    expect((await patch(`/api/sessions/${id}/todos/99${q}`, { completed: true })).status).toBe(404);
  });

  it('without JavaScript, the form saves only the boxes changed on that page', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const q = `?t=${f.token(id)}`;
    // Someone else ticks todo 3 after this page was rendered with all three open.
    await patch(`/api/sessions/${id}/todos/3${q}`, { completed: true });
    const form = new URLSearchParams([['shown', '1:0'], ['shown', '2:0'], ['shown', '3:0'], ['done', '1']]);
    const r = await fetch(`${f.base}/s/${id}/todos${q}`, { method: 'POST', body: form, redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`../${id}${q}#todos`);
    expect((await storedTodos(id)).map((t) => t.completed)).toEqual([true, false, true]);
  });

  it('refuses the form posted from another website, saving nothing', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const form = new URLSearchParams([['shown', '1:0'], ['done', '1']]);
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }] as Record<string, string>[]) {
      const r = await fetch(`${f.base}/s/${id}/todos?t=${f.token(id)}`, { method: 'POST', body: form, headers, redirect: 'manual' });
      expect(r.status).toBe(403);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await r.text()).toContain('sent from another website, so nothing was saved');
    }
    expect((await storedTodos(id)).map((t) => t.completed)).toEqual([false, false, false]);
  });

  it('saves a form of 5,000 entries in one write, changing only the todos on the list', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    // Todos 1 and 2 ticked, and 5,000 entries naming todos 4–12, which are not on the list.
    const form = new URLSearchParams([['shown', '1:0'], ['shown', '2:0'], ['done', '1'], ['done', '2']]);
    for (let i = 0; i < 5000; i++) form.append('shown', `${(i % 9) + 4}:0`);
    for (let i = 4; i <= 12; i++) form.append('done', String(i));
    const writes = vi.spyOn(f.core.store, 'putJson');
    try {
      const r = await fetch(`${f.base}/s/${id}/todos?t=${f.token(id)}`, { method: 'POST', body: form, redirect: 'manual' });
      expect(r.status).toBe(303);
      expect(writes.mock.calls.filter(([ref]) => ref.key === f.core.layout.todos(id).key)).toHaveLength(1);
    } finally {
      writes.mockRestore();
    }
    expect((await storedTodos(id)).map((t) => t.completed)).toEqual([true, true, false]);
  });
});

describe('editing todos', () => {
  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${f.base}${path}`, { method: 'POST', body: new URLSearchParams(fields), headers, redirect: 'manual' });
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${f.base}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  /** The fields of todo 2 ("Fix the login bug", SPEAKER_01, no due date, medium) as its edit form shows them. */
  const shown = { task: 'Fix the login bug', assignee: 'Speaker 2', due: '', priority: 'medium' };
  /** Where a form's 303 takes the browser, resolved against the form's address as a browser does. */
  const landing = (r: Response, formPath: string) => new URL(r.headers.get('location')!, `${f.base}${formPath}`).href;
  const seenFields = Object.fromEntries(Object.entries(shown).map(([k, v]) => [`seen_${k}`, v]));

  it('without JavaScript, the edit form saves only what the person changed, keeping an edit made meanwhile', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const q = `?t=${f.token(id)}`;
    const page = await (await fetch(`${f.base}/s/${id}${q}`)).text();
    expect(page).toContain(`<form class="todo-edit-form" method="post" action="${id}/todos/2/edit${q}">`);
    expect(page).toContain('<input type="hidden" name="seen_assignee" value="Speaker 2">');
    expect(page).toContain(`<form id="todo-add-form" method="post" action="${id}/todos/add${q}">`);
    expect(page).toContain('<datalist id="todo-owners"><option value="Speaker 1"></option><option value="Speaker 2"></option></datalist>');

    // Someone sets the due date after this page was rendered; this person changes the text only.
    await f.core.todos.service.edit(id, '2', { due: 'Monday' }, 'ana');
    const r = await post(`/s/${id}/todos/2/edit${q}`, { ...shown, task: 'Fix the login bug today', ...seenFields });
    expect(r.status).toBe(303);
    expect(landing(r, `/s/${id}/todos/2/edit${q}`)).toBe(`${f.base}/s/${id}${q}#todo-2`);
    expect((await storedTodos(id))[1]).toMatchObject({ task: 'Fix the login bug today', assignee: 'SPEAKER_01', due: 'Monday', priority: 'medium', edited_by: null });
    expect(await (await fetch(`${f.base}/s/${id}${q}`)).text()).toMatch(/<label for="todo-2">Fix the login bug today<\/label>\n<p [^\n]*title="Monday">due [^<]+ \(Monday\)<\/time>[^\n]*<span class="done-by"><\/span><span class="changed-by"> · edited<\/span>/);

    // A field someone else changed since the page was shown is refused with what it holds now; nothing saved.
    const conflict = await post(`/s/${id}/todos/2/edit${q}`, { ...shown, task: 'Fix the logout bug', priority: 'high', ...seenFields });
    expect(conflict.status).toBe(409);
    expect(await conflict.text()).toContain('Someone changed this todo while you were editing it: its text is now “Fix the login bug today”. Nothing was saved; please edit it again.');
    expect((await storedTodos(id))[1]).toMatchObject({ task: 'Fix the login bug today', priority: 'medium' });

    // An owner typed as a speaker is shown is stored as the label, so a later name follows it.
    await f.core.speakers.nameSpeakers(id, { SPEAKER_00: 'Maria' }, null);
    const owner = await post(`/s/${id}/todos/3/edit${q}`, { assignee: 'maria', seen_assignee: '' });
    expect(owner.status).toBe(303);
    expect((await storedTodos(id))[2]).toMatchObject({ task: 'Book the retro room', assignee: 'SPEAKER_00' });
    const third = (await getSession(`${f.base}/api/sessions/${id}${q}`)).todos!.todos[2]!;
    expect([third.assignee, typeof third.edited_at]).toEqual(['SPEAKER_00', 'string']);
  });

  it('without JavaScript, adds a todo under the list and removes one, which the history keeps', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const q = `?t=${f.token(id)}`;
    const added = await post(`/s/${id}/todos/add${q}`, { task: 'Send the minutes', assignee: 'Speaker 1', due: 'tomorrow', priority: 'high' });
    expect(added.status).toBe(303);
    expect(landing(added, `/s/${id}/todos/add${q}`)).toBe(`${f.base}/s/${id}${q}#todo-4`);
    expect((await storedTodos(id))[3]).toMatchObject({ id: '4', task: 'Send the minutes', assignee: 'SPEAKER_00', due: 'tomorrow', priority: 'high', added_by: null });
    expect(await (await fetch(`${f.base}/s/${id}${q}`)).text()).toContain('<label for="todo-4">Send the minutes</label>');

    const removed = await post(`/s/${id}/todos/1/remove${q}`, {});
    expect(removed.status).toBe(303);
    expect(landing(removed, `/s/${id}/todos/1/remove${q}`)).toBe(`${f.base}/s/${id}${q}#todos`);
    expect((await storedTodos(id)).map((t) => t.id)).toEqual(['2', '3', '4']);
    expect((await f.core.todos.service.history(id)).map((c) => [c.kind, c.todoId])).toEqual([['add', '4'], ['remove', '1']]);

    // Refusals are pages with the service's sentence.
    const again = await post(`/s/${id}/todos/1/remove${q}`, {});
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('That todo is not on this meeting’s list.');
    const empty = await post(`/s/${id}/todos/add${q}`, { task: ' ', priority: 'low' });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('A todo needs some text.');
    expect((await post(`/s/${id}/todos/add${q}`, { task: 'Call Ben', priority: 'urgent' })).status).toBe(400);
    expect((await storedTodos(id)).map((t) => t.id)).toEqual(['2', '3', '4']);
  });

  it('refuses the edit, add and remove forms from another website or with a wrong token, changing nothing', async () => {
    const { id } = await f.processingSession();
    const other = await f.processingSession();
    await f.complete(id);
    const forms: Array<[string, Record<string, string>]> = [
      [`/s/${id}/todos/2/edit`, { ...shown, task: 'Mallory was here', ...seenFields }],
      [`/s/${id}/todos/add`, { task: 'Mallory was here' }],
      [`/s/${id}/todos/1/remove`, {}],
    ];
    for (const [path, fields] of forms) {
      for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }] as Record<string, string>[]) {
        const r = await post(`${path}?t=${f.token(id)}`, fields, headers);
        expect([path, r.status]).toEqual([path, 403]);
        expect(await r.text()).toContain('sent from another website, so nothing was changed');
      }
      expect((await post(`${path}?t=${f.token(other.id)}`, fields)).status).toBe(404);
    }
    expect((await storedTodos(id)).map((t) => t.task)).toEqual(NOTES.todos.map((t) => t.task));
  });

  it('through the JSON API edits, adds and removes, announcing each change to open pages', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const q = `?t=${f.token(id)}`;
    const viewer = await openStream(`${f.base}/api/progress/${id}${q}&follow=todos`);
    await vi.waitFor(() => expect(viewer.events.length).toBe(1));

    const edited = await send('PUT', `/api/sessions/${id}/todos/2${q}`, { ...shown, due: 'Friday', seen: shown });
    expect(edited.status).toBe(200);
    const { todo } = (await edited.json()) as { todo: Todo };
    expect(todo).toMatchObject({ id: '2', due: 'Friday', assignee: 'SPEAKER_01' });
    expect(todo.due_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const added = await send('POST', `/api/sessions/${id}/todos${q}`, { task: 'Send the minutes', assignee: 'Speaker 2' });
    expect(added.status).toBe(201);
    expect(((await added.json()) as { todo: unknown }).todo).toMatchObject({ id: '4', assignee: 'SPEAKER_01', priority: 'medium' });
    const removed = await send('DELETE', `/api/sessions/${id}/todos/3${q}`);
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as { todo: unknown }).todo).toMatchObject({ id: '3', task: 'Book the retro room' });

    await vi.waitFor(() => expect(viewer.events.length).toBe(4));
    const announced = viewer.events.slice(1).map((e) => {
      const event = JSON.parse(e.data) as Record<string, unknown>;
      return [e.event, event.kind, event.sessionId, event.todoId, event.change, event.by];
    });
    expect(announced).toEqual([['2', 'edit'], ['4', 'add'], ['3', 'remove']].map(([todoId, change]) => ['todo', 'todo', id, todoId, change, null]));
    viewer.close();
    expect((await getSession(`${f.base}/api/sessions/${id}${q}`)).todos!.todos.map((t) => [t.id, t.due])).toEqual([['1', 'Friday'], ['2', 'Friday'], ['4', null]]);
  });

  it('through the JSON API answers a conflict with 409 and its sentence, and refuses bad bodies, ids and tokens', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const q = `?t=${f.token(id)}`;
    await f.core.todos.service.edit(id, '2', { priority: 'high' }, 'ana');
    const conflict = await send('PUT', `/api/sessions/${id}/todos/2${q}`, { ...shown, priority: 'low', seen: shown });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toEqual({ error: { code: 'TODO_EDIT_CONFLICT', message: 'Someone changed this todo while you were editing it: its priority is now “high”. Nothing was saved; please edit it again.' } });
    const invalid = await send('POST', `/api/sessions/${id}/todos${q}`, { task: '' });
    expect([invalid.status, await invalid.json()]).toEqual([422, { error: { code: 'TODO_INVALID', message: 'A todo needs some text.' } }]);

    for (const [method, path, body] of [
      ['PUT', '/todos/2', { priority: 'urgent' }],
      ['PUT', '/todos/2', { task: 'x', extra: 1 }],
      ['POST', '/todos', { priority: 'low' }],
    ] as const) {
      expect([method, body, (await send(method, `/api/sessions/${id}${path}${q}`, body)).status]).toEqual([method, body, 400]);
    }
    expect((await send('PUT', `/api/sessions/${id}/todos/99${q}`, { task: 'x' })).status).toBe(404);
    expect((await send('DELETE', `/api/sessions/${id}/todos/${'9'.repeat(65)}${q}`)).status).toBe(404);
    const wrong = `?t=${f.token(randomUUID())}`;
    for (const [method, path, body] of [['PUT', '/todos/2', { task: 'x' }], ['POST', '/todos', { task: 'x' }], ['DELETE', '/todos/1', undefined]] as const) {
      expect([method, (await send(method, `/api/sessions/${id}${path}${wrong}`, body)).status]).toEqual([method, 404]);
    }
    expect((await storedTodos(id)).map((t) => [t.task, t.priority])).toEqual(NOTES.todos.map((t, i) => [t.task, i === 1 ? 'high' : t.priority]));
  });
});

describe('naming speakers', () => {
  it('without JavaScript, the speaker form names a speaker in the transcript, the todo owner and the JSON', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const q = `?t=${f.token(id)}`;
    const before = await (await fetch(`${f.base}/s/${id}${q}`)).text();
    expect(before).toContain(`<form class="speaker-form" method="post" action="${id}/speakers${q}"><label for="speaker-SPEAKER_01">Speaker 2</label>`);

    const r = await fetch(`${f.base}/s/${id}/speakers${q}`, { method: 'POST', body: new URLSearchParams({ SPEAKER_01: 'Maria' }), redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`../${id}${q}#transcript`);
    const page = await (await fetch(`${f.base}/s/${id}${q}`)).text();
    expect(page).toContain('<span class="speaker" data-speaker="SPEAKER_01" data-unnamed="Speaker 2">Maria</span><p>Sure. I will also fix the login bug.</p>');
    expect(page).toMatch(/<label for="todo-2">Fix the login bug<\/label>\n<p [^>]*>.*<span class="assignee" data-speaker="SPEAKER_01" data-unnamed="Speaker 2">Maria<\/span>/);
    expect((await getSession(`${f.base}/api/sessions/${id}${q}`)).speakers).toEqual({ SPEAKER_01: 'Maria' });

    // An empty name returns the label to "Speaker 2"; a label the transcript lacks is refused in words.
    await fetch(`${f.base}/s/${id}/speakers${q}`, { method: 'POST', body: new URLSearchParams({ SPEAKER_01: '' }), redirect: 'manual' });
    expect(await (await fetch(`${f.base}/s/${id}${q}`)).text()).toContain('data-unnamed="Speaker 2">Speaker 2</span><p>Sure.');
    const unknown = await fetch(`${f.base}/s/${id}/speakers${q}`, { method: 'POST', body: new URLSearchParams({ SPEAKER_07: 'Ali' }), redirect: 'manual' });
    expect(unknown.status).toBe(422);
    expect(await unknown.text()).toContain('This meeting has no speaker &quot;SPEAKER_07&quot;.');
  });

  it('refuses the speaker form posted from another website, naming nobody', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }] as Record<string, string>[]) {
      const r = await fetch(`${f.base}/s/${id}/speakers?t=${f.token(id)}`, { method: 'POST', body: new URLSearchParams({ SPEAKER_01: 'Mallory' }), headers, redirect: 'manual' });
      expect(r.status).toBe(403);
      expect(await r.text()).toContain('sent from another website, so no name was saved');
    }
    expect(await f.core.speakers.names(id)).toEqual({});
  });

  it('an open page receives the new names live, on its todo stream', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const viewer = await openStream(`${f.base}/api/progress/${id}?t=${f.token(id)}&follow=todos`);
    await vi.waitFor(() => expect(viewer.events.length).toBe(1));

    await f.core.speakers.nameSpeakers(id, { SPEAKER_00: 'Maria' }, 'anna');
    await vi.waitFor(() => expect(viewer.events.length).toBe(2));
    expect(viewer.events[1]).toMatchObject({ event: 'todo' });
    expect(JSON.parse(viewer.events[1]!.data)).toMatchObject({ kind: 'speakers', sessionId: id, names: { SPEAKER_00: 'Maria' }, by: 'anna' });
    viewer.close();
  });
});

describe('renaming a meeting', () => {
  it('without JavaScript, the rename form gives the page its title; an empty one brings back the proposed title', async () => {
    const { id } = await f.processingSession();
    await f.complete(id, { ...NOTES, title: 'Login bug triage' });
    const q = `?t=${f.token(id)}`;
    const before = await (await fetch(`${f.base}/s/${id}${q}`)).text();
    expect(before).toContain('<h1>Login bug triage</h1>');
    expect(before).toContain(`<form id="rename-form" method="post" action="${id}/rename${q}">`);
    expect(before).toContain('<button type="button" id="copy-link" hidden>Copy link</button> This page’s link is the key to this meeting');

    const r = await fetch(`${f.base}/s/${id}/rename${q}`, { method: 'POST', body: new URLSearchParams({ title: 'Pricing <review>' }), redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`../${id}${q}`);
    const renamed = await (await fetch(`${f.base}/s/${id}${q}`)).text();
    expect(renamed).toContain('<title>Pricing &lt;review&gt;');
    expect(renamed).toContain('<h1>Pricing &lt;review&gt;</h1>');
    expect(renamed).toContain('name="title" maxlength="150" value="Pricing &lt;review&gt;"');

    await fetch(`${f.base}/s/${id}/rename${q}`, { method: 'POST', body: new URLSearchParams({ title: '' }), redirect: 'manual' });
    expect(await (await fetch(`${f.base}/s/${id}${q}`)).text()).toContain('<h1>Login bug triage</h1>');
  });

  it('an open page receives the new title live, on its todo stream, whoever renamed it', async () => {
    const { id } = await f.processingSession();
    await f.complete(id, { ...NOTES, title: 'Login bug triage' });
    const q = `?t=${f.token(id)}`;
    const viewer = await openStream(`${f.base}/api/progress/${id}${q}&follow=todos`);
    await vi.waitFor(() => expect(viewer.events.length).toBe(1));

    await fetch(`${f.base}/s/${id}/rename${q}`, { method: 'POST', body: new URLSearchParams({ title: 'Pricing review' }), redirect: 'manual' });
    await vi.waitFor(() => expect(viewer.events.length).toBe(2));
    expect(viewer.events[1]).toMatchObject({ event: 'todo' });
    expect(JSON.parse(viewer.events[1]!.data)).toMatchObject({ kind: 'title', sessionId: id, title: 'Pricing review', by: null });
    viewer.close();
  });

  it('refuses the rename form posted from another website, renaming nothing', async () => {
    const { id } = await f.processingSession();
    const r = await fetch(`${f.base}/s/${id}/rename?t=${f.token(id)}`, { method: 'POST', body: new URLSearchParams({ title: 'Mallory' }), headers: { origin: 'https://evil.example' }, redirect: 'manual' });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('sent from another website, so nothing was renamed');
    expect((await f.core.sessionService.get(id))?.title).toBeNull();
  });
});

describe('trying a failed session again', () => {
  /** A stored recording whose processing failed, as the processor leaves it. */
  async function failedSession(): Promise<string> {
    const { id } = await f.processingSession();
    await f.core.sessions.transition(id, ['PROCESSING'], { status: 'FAILED', errorCode: 'LLM_UNAVAILABLE', errorMessage: 'The LLM could not be reached.' });
    await f.core.progress.fail(id, 'todos', new AppError('LLM_UNAVAILABLE', 'The LLM could not be reached.'));
    return id;
  }

  it('the failed page offers "Try again"; the form starts it again, back to the page, which streams its progress', async () => {
    const id = await failedSession();
    const q = `?t=${f.token(id)}`;
    expect(await (await fetch(`${f.base}/s/${id}${q}`)).text()).toMatch(/<form id="retry-form" method="post" action="[^"]+\/retry\?t=[^"]+"><button type="submit">Try again<\/button>/);

    const r = await fetch(`${f.base}/s/${id}/retry${q}`, { method: 'POST', body: new URLSearchParams(), redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`../${id}${q}`);
    expect(await f.core.sessions.get(id)).toMatchObject({ status: 'PROCESSING', stage: 'queued', errorCode: null, errorMessage: null });

    const page = await (await fetch(`${f.base}/s/${id}${q}`)).text();
    expect(page).toContain('id="progress"');
    expect(page).not.toContain('retry-form');
    const stream = await openStream(`${f.base}/api/progress/${id}${q}`);
    await vi.waitFor(() => expect(stream.events.length).toBe(1));
    expect(progressOf(stream.events)[0]).toMatchObject({ status: 'PROCESSING', error: null });
    stream.close();

    // A second click (a stale page) starts nothing more and lands on the running page.
    expect((await fetch(`${f.base}/s/${id}/retry${q}`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
  });

  it("keeps the page's stream open on a failed session, so a retry made elsewhere (chat, the CLI) shows there; other streams end", async () => {
    const id = await failedSession();
    const q = `?t=${f.token(id)}`;
    const plain = await openStream(`${f.base}/api/progress/${id}${q}`);
    await plain.ended; // without follow=todos the final state ends the stream
    const statuses = (stream: { events: SseEvent[] }) => progressOf(stream.events).map((e) => (e as { status: string }).status);
    expect(statuses(plain)).toEqual(['FAILED']);

    const page = await openStream(`${f.base}/api/progress/${id}${q}&follow=todos`);
    await vi.waitFor(() => expect(statuses(page)).toEqual(['FAILED']));
    expect(await f.core.sessionService.retry(id, AUTHORIZED)).toMatchObject({ outcome: 'retried' });
    await vi.waitFor(() => expect(statuses(page)).toEqual(['FAILED', 'PROCESSING']));
    page.close();
  });

  it('refuses the form posted from another website, starting nothing', async () => {
    const id = await failedSession();
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }] as Record<string, string>[]) {
      const r = await fetch(`${f.base}/s/${id}/retry?t=${f.token(id)}`, { method: 'POST', headers, redirect: 'manual' });
      expect(r.status).toBe(403);
      expect(await r.text()).toContain('sent from another website, so nothing was started');
    }
    expect((await fetch(`${f.base}/s/${id}/retry?t=${f.token(randomUUID())}`, { method: 'POST', redirect: 'manual' })).status).toBe(404);
    expect((await f.core.sessions.get(id))?.status).toBe('FAILED');
  });
});

describe('regenerating the notes', () => {
  /** A completed session whose notes were then regenerated once, as the processor stores a new version. */
  async function twoVersions(): Promise<string> {
    const { id } = await f.processingSession();
    await f.complete(id);
    await f.core.todos.service.setCompleted(id, '1', true, 'anna');
    const fresh = buildDocuments(id, { ...NOTES, summary: 'Die Notizen auf Deutsch.' }, new Date());
    const { knex, store, layout, notesVersions } = f.core;
    await replaceNotes({ knex, store, layout, notesVersions, changes: new TodoChangesRepository(knex) }, id, fresh, { version: 2, instruction: 'in German', model: null, requestedBy: 'Maria' });
    return id;
  }

  it('the form queues a regeneration and lands back on the page, which shows the notes being rewritten', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const q = `?t=${f.token(id)}`;
    expect(await (await fetch(`${f.base}/s/${id}${q}`)).text()).toMatch(/<form id="regenerate-form" method="post" action="[^"]+\/regenerate\?t=[^"]+">/);
    const queued = await f.core.queue.depth('todos');

    const r = await fetch(`${f.base}/s/${id}/regenerate${q}`, { method: 'POST', body: new URLSearchParams({ instruction: 'in German', model: '' }), redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`../${id}${q}`);
    expect(await f.core.sessions.get(id)).toMatchObject({ status: 'PROCESSING', stage: 'todos' });
    expect(await f.core.queue.depth('todos')).toBe(queued + 1);
    const page = await (await fetch(`${f.base}/s/${id}${q}`)).text();
    expect(page).toContain('id="progress"');
    expect(page).toContain('Rewriting the summary and todos');

    // Again while it runs: refused with the service's sentence, nothing more queued.
    const again = await fetch(`${f.base}/s/${id}/regenerate${q}`, { method: 'POST', body: new URLSearchParams(), redirect: 'manual' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('still being processed');
    expect(await f.core.queue.depth('todos')).toBe(queued + 1);
  });

  it('refuses the form posted from another website, and a too long instruction, starting nothing', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const cross = await fetch(`${f.base}/s/${id}/regenerate?t=${f.token(id)}`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' }, redirect: 'manual' });
    expect(cross.status).toBe(403);
    const long = await fetch(`${f.base}/s/${id}/regenerate?t=${f.token(id)}`, { method: 'POST', body: new URLSearchParams({ instruction: 'x'.repeat(501) }), redirect: 'manual' });
    expect(long.status).toBe(422);
    expect((await f.core.sessions.get(id))?.status).toBe('COMPLETED');
  });

  it('shows the versions: the current one with its boxes, an earlier one read only, and the JSON of either', async () => {
    const id = await twoVersions();
    const q = `?t=${f.token(id)}`;
    const current = await (await fetch(`${f.base}/s/${id}${q}`)).text();
    expect(current).toContain('Die Notizen auf Deutsch.');
    expect(current).toMatch(/<a href="[^"]+" aria-current="page">v2<\/a>: “in German” by Maria/);
    expect(current).toContain('id="todo-form"');
    expect(current).not.toContain('read only');

    const first = await (await fetch(`${f.base}/s/${id}${q}&v=1`)).text();
    expect(first).toContain('Version 1 of 2 — read only');
    expect(first).toContain(NOTES.summary);
    expect(first).not.toContain('type="checkbox"');
    expect(first).not.toContain('regenerate-form');
    expect(first).toMatch(new RegExp(`<a href="${id}\\?t=[^"&]+">See the current version</a>`));

    const missing = await fetch(`${f.base}/s/${id}${q}&v=3`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('no version 3');

    const json = (await (await fetch(`${f.base}/api/sessions/${id}${q}&v=1`)).json()) as SessionJson;
    expect(json.version).toBe(1);
    expect(json.todos!.todos[0]).toMatchObject({ id: '1', completed: true, completed_by: 'anna' });
    expect(json.versions.map((v) => [v.version, v.instruction, v.requestedBy])).toEqual([
      [1, null, null],
      [2, 'in German', 'Maria'],
    ]);
    expect(((await (await fetch(`${f.base}/api/sessions/${id}${q}`)).json()) as SessionJson).version).toBe(2);
    expect((await fetch(`${f.base}/api/sessions/${id}${q}&v=3`)).status).toBe(404);
  });
});

describe('trying again or regenerating at the owner’s limit of active recordings', () => {
  let limited: WebFixture;

  beforeAll(async () => {
    limited = await startWebFixture({}, { MAX_ACTIVE_SESSIONS_PER_USER: '1' });
  });

  afterAll(() => limited?.close());

  it('answers both forms with 429 and the sentence, starting nothing; once the other recording ends, the retry starts', async () => {
    const failed = await limited.processingSession();
    await limited.core.sessions.transition(failed.id, ['PROCESSING'], { status: 'FAILED', errorCode: 'LLM_UNAVAILABLE', errorMessage: 'The LLM could not be reached.' });
    const completed = await limited.processingSession();
    await limited.complete(completed.id);
    const running = await limited.processingSession();
    const queued = async () => [await limited.core.queue.depth('transcribe'), await limited.core.queue.depth('todos')];
    const before = await queued();
    const post = (id: string, form: string) => fetch(`${limited.base}/s/${id}/${form}?t=${limited.token(id)}`, { method: 'POST', body: new URLSearchParams(), redirect: 'manual' });
    const sentence = 'Whoever shared this recording already has 1 recording in progress, as many as one person may have at once. Wait for one of them to finish, then try again.';

    for (const [id, form, title] of [[failed.id, 'retry', 'Cannot try again'], [completed.id, 'regenerate', 'Not started']]) {
      const r = await post(id!, form!);
      expect(r.status).toBe(429);
      const page = await r.text();
      expect(page).toContain(title);
      expect(page).toContain(sentence);
    }
    expect(await limited.core.sessions.get(failed.id)).toMatchObject({ status: 'FAILED', errorCode: 'LLM_UNAVAILABLE' });
    expect(await limited.core.sessions.get(completed.id)).toMatchObject({ status: 'COMPLETED', stage: 'done' });
    expect(await queued()).toEqual(before);

    await limited.complete(running.id);
    expect((await post(failed.id, 'retry')).status).toBe(303);
    expect(await limited.core.sessions.get(failed.id)).toMatchObject({ status: 'PROCESSING', errorCode: null });
  });
});

describe('the page', () => {
  it('escapes what the transcript and the LLM wrote, under a strict content security policy', async () => {
    const { id } = await f.processingSession();
    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    await f.complete(id, { ...NOTES, summary: evil, todos: [{ ...NOTES.todos[0]!, task: evil }] }, [['SPEAKER_00', 0, evil]]);
    const r = await fetch(`${f.base}/s/${id}?t=${f.token(id)}`);
    expect(r.status).toBe(200);
    const page = await r.text();
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(r.headers.get('content-security-policy')).toContain(`media-src 'self' ${new URL(f.config.s3.publicEndpoint).origin};`);
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('renders the running state with a progress bar, and answers health checks', async () => {
    const { id } = await f.processingSession();
    await f.core.progress.report(id, 'PROCESSING', 'transcribe', 0.5, 'Transcribing (0:02 of 0:04)');
    const page = await (await fetch(`${f.base}/s/${id}?t=${f.token(id)}`)).text();
    expect(page).toContain('<progress id="progress-bar" max="100" value="45"');
    expect(page).toContain('Transcribing (0:02 of 0:04)');
    expect(page).toContain('<video id="player"');
    expect((await fetch(`${f.base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${f.base}/readyz`);
    expect(await ready.json()).toEqual({ ready: true, checks: { postgres: 'ok', storage: 'ok', queue: 'ok', redis: 'ok' } });
  });

  it('serves the page’s assets, and nothing else under /assets', async () => {
    const script = await fetch(`${f.base}/assets/status.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('EventSource');
    // Names an object has by inheritance are no assets either.
    for (const name of ['missing.js', 'constructor', '__proto__', 'toString']) {
      const r = await fetch(`${f.base}/assets/${name}`);
      expect([name, r.status]).toEqual([name, 404]);
    }
  });
});
