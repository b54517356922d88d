import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies, type ChatRequest } from '../../test/fakes/openai-fake.js';
import { startPipelineHarness, type PipelineHarness } from '../../test/helpers/pipeline-harness.js';
import { streamNames } from '../progress/event-stream.js';
import type { Session } from '../domain/session.js';
import { todosDocumentSchema } from '../domain/todos.js';
import { parseTodoEvent } from '../todos/todo-events.js';
import { until } from '../../test/helpers/until.js';
import { DEFAULT_OPTIONS } from './session.service.js';

/**
 * Regenerating a meeting's notes (docs/architecture.md#regenerating-the-notes), through the real queue, database
 * and S3 server, the processor and the OpenAI fake: a new version, the earlier one readable, ticks carried over.
 */

let h: PipelineHarness;

beforeAll(async () => {
  h = await startPipelineHarness({ JOB_MAX_ATTEMPTS: '1' });
});

afterAll(async () => h?.close());

async function completedSession(): Promise<Session> {
  const session = await h.processingSession();
  await h.core.queue.publish('transcribe', { v: 1, sessionId: session.id, options: DEFAULT_OPTIONS });
  const done = await h.finalState(session.id);
  expect(done.status).toBe('COMPLETED');
  return done;
}

const systemOf = (chat: ChatRequest | undefined) => chat?.messages.find((m) => m.role === 'system')?.content;

describe('regenerating the notes', () => {
  it('writes version 2 with the instruction and model, keeps version 1 readable, and carries ticks over (one made meanwhile too)', async () => {
    const session = await completedSession();
    const { service } = h.core.todos;
    const v1 = (await h.core.sessionService.results(session.id)).todos!;
    expect(v1.todos.map((t) => t.id)).toEqual(['1', '2']);
    await service.setCompleted(session.id, '1', true, 'Ana');

    const chatsBefore = h.openai.requests.length;
    h.openai.script('chat', async (request) => {
      // Ticked while the model writes: the new version must not lose it.
      await service.setCompleted(session.id, '2', true, 'Ali');
      return replies.withMoreTodos({ task: 'Book a room for the demo', priority: 'low', assignee: null, due: null, context: 'New', segments: [0] })(request);
    });
    const queued = await h.core.notes.regenerate(session.id, { instruction: 'in German', model: 'gpt-4o-regen' }, 'Maria');
    expect(queued).toMatchObject({ status: 'PROCESSING', stage: 'todos' });
    const done = await h.finalState(session.id);
    expect(done).toMatchObject({ status: 'COMPLETED', notesVersion: 2 });

    // The instruction reached the LLM apart from the transcript, and the model named replaced the configured one.
    const asked = h.openai.requests.slice(chatsBefore).filter((r) => r.chat);
    expect(asked.map((r) => r.chat!.model)).toEqual(['gpt-4o-regen']);
    expect(systemOf(asked[0]!.chat)).toContain('<request>in German</request>');

    const current = await h.core.sessionService.results(session.id);
    expect(current.version).toBe(2);
    expect(current.versions.map((v) => [v.version, v.instruction, v.model, v.requestedBy])).toEqual([
      [1, null, null, null],
      [2, 'in German', 'gpt-4o-regen', 'Maria'],
    ]);
    expect(current.todos!.todos.map((t) => [t.id, t.task, t.completed, t.completed_by])).toEqual([
      ['3', 'Book a room for the demo', false, null],
      ['1', v1.todos[0]!.task, true, 'Ana'],
      ['2', v1.todos[1]!.task, true, 'Ali'],
    ]);

    // Version 1 as it was when replaced, at v1/, and through the service.
    const archived = todosDocumentSchema.parse(await h.core.store.getJson(h.core.layout.versionTodos(session.id, 1)));
    expect(archived.todos.map((t) => [t.id, t.completed_by])).toEqual([
      ['1', 'Ana'],
      ['2', 'Ali'],
    ]);
    const first = await h.core.sessionService.results(session.id, 1);
    expect(first).toMatchObject({ version: 1, todos: archived });
    expect(first.summary).toEqual(await h.core.store.getJson(h.core.layout.versionSummary(session.id, 1)));

    // The thread and the page saw it rewriting, then done, and the new version was announced.
    const events = (await h.progressOf(session.id)).map((e) => [e.status, e.message]);
    const rewriting = events.findIndex(([s, m]) => s === 'PROCESSING' && m === 'Rewriting the summary and todos');
    expect(rewriting).toBeGreaterThan(events.findIndex(([s]) => s === 'COMPLETED'));
    expect(events.at(-1)).toEqual(['COMPLETED', 'Done']);
    const announced = (await h.redis.xrange(streamNames(h.config.redis.keyPrefix).todos, '-', '+'))
      .map(([, fields]) => parseTodoEvent(fields[1]!))
      .filter((e) => e?.sessionId === session.id && e.kind === 'notes');
    expect(announced).toMatchObject([{ kind: 'notes', version: 2, by: 'Maria' }]);
  });

  it('a third version keeps the second at v2/ and gives new todos ids no earlier version used', async () => {
    const session = await completedSession();
    await h.core.notes.regenerate(session.id, {}, null);
    expect((await h.finalState(session.id)).notesVersion).toBe(2);
    const pizza = () => h.core.sessionService.search('pizza', { kind: 'sessions', ids: [session.id] });
    expect(await pizza()).toEqual([]);
    h.openai.script('chat', replies.withMoreTodos({ task: 'Order pizza', priority: 'low', assignee: null, due: null, context: '', segments: [0] }));
    await h.core.notes.regenerate(session.id, { instruction: '  ' }, null);
    expect((await h.finalState(session.id)).notesVersion).toBe(3);
    // The new version is searched as it stands: its new todo, at the segment it cites.
    expect((await pizza()).map((hit) => [hit.kind, hit.text, hit.segmentId])).toEqual([['todo', 'Order pizza', 0]]);

    const v2 = await h.core.sessionService.results(session.id, 2);
    expect(v2.todos!.todos.map((t) => t.id)).toEqual(['1', '2']);
    const v3 = await h.core.sessionService.results(session.id);
    expect(v3.todos!.todos.map((t) => [t.id, t.task])).toContainEqual(['3', 'Order pizza']);
    expect(v3.versions.map((v) => [v.version, v.instruction])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
    await expect(h.core.sessionService.results(session.id, 4)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
  });

  it('respects what people did to the list: a removed todo stays removed, ids the history names are never reused, edits and additions kept', async () => {
    const session = await completedSession();
    const { service } = h.core.todos;
    const v1 = (await h.core.sessionService.results(session.id)).todos!;
    expect(v1.todos.map((t) => t.id)).toEqual(['1', '2']);
    // From the page (by null): the first todo rewritten (text, owner, due), the second removed, one added, one added and removed.
    await service.edit(session.id, '1', { task: 'Send the client the revised timeline', assignee: 'Maria', due: 'by Friday' }, null);
    await service.remove(session.id, '2', null);
    expect(await service.add(session.id, { task: 'Send the minutes' }, null)).toMatchObject({ id: '3', added_by: null });
    expect(await service.add(session.id, { task: 'Order pizza' }, null)).toMatchObject({ id: '4' });
    await service.remove(session.id, '4', null);

    // The model writes both first todos again, and one more.
    h.openai.script('chat', replies.withMoreTodos({ task: 'Book a room for the demo', priority: 'low', assignee: null, due: null, context: '', segments: [0] }));
    await h.core.notes.regenerate(session.id, {}, 'Maria');
    expect((await h.finalState(session.id)).notesVersion).toBe(2);

    const v2 = (await h.core.sessionService.results(session.id)).todos!;
    expect(v2.todos.map((t) => [t.id, t.task])).toEqual([
      ['5', 'Book a room for the demo'], // above every id the history names (4 was removed), not 3 or 4
      ['1', 'Send the client the revised timeline'], // written again by the model, matched by what it said before the edit: the edit kept
      ['3', 'Send the minutes'], // hand-added by a page-link holder (added_by null): kept
    ]);
    expect(v2.todos[1]).toMatchObject({ assignee: 'Maria', due: 'by Friday', edited_by: null, edited_at: expect.any(String) as unknown });
    expect(v2.todos.some((t) => t.task === v1.todos[1]!.task)).toBe(false); // removed by a person: it stays removed
    expect(v2.metadata.total_todos).toBe(3);
  });

  it('is refused for a session still processing, a failed one, a missing one, and a too long instruction', async () => {
    const running = await h.processingSession();
    await expect(h.core.notes.regenerate(running.id, {}, null)).rejects.toMatchObject({ code: 'NOT_COMPLETED' });
    await h.core.sessions.update(running.id, { status: 'FAILED', errorCode: 'LLM_UNAVAILABLE', errorMessage: 'down' });
    await expect(h.core.notes.regenerate(running.id, {}, null)).rejects.toMatchObject({ code: 'NOT_COMPLETED' });
    expect((await h.core.sessions.get(running.id))?.status).toBe('FAILED');
    await expect(h.core.notes.regenerate(randomUUID(), {}, null)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(h.core.notes.regenerate(running.id, { instruction: 'x'.repeat(501) }, null)).rejects.toMatchObject({ code: 'INSTRUCTION_TOO_LONG' });
  });

  it('cancelled while the model writes: the session is COMPLETED again with its notes untouched', async () => {
    const session = await completedSession();
    const before = await h.core.store.getJson(h.core.layout.todos(session.id));
    let answer!: () => void;
    const cancelled = new Promise<void>((resolve) => (answer = resolve));
    h.openai.script('chat', async (request) => {
      await cancelled;
      return replies.withMoreTodos({ task: 'Never stored', priority: 'low', assignee: null, due: null, context: '', segments: [0] })(request);
    });
    const chats = h.openai.requests.length;
    await h.core.notes.regenerate(session.id, { instruction: 'in German' }, null);
    await until('the model to be asked', async () => h.openai.requests.length > chats);

    expect(await h.core.sessionService.cancel(session.id, h.user, false)).toMatchObject({ outcome: 'cancelled', session: { status: 'COMPLETED' } });
    answer();
    await until('the job to stop', async () => (await h.core.jobClaims.remainingMs(session.id, 'todos')) === null);
    expect(await h.core.sessions.get(session.id)).toMatchObject({ status: 'COMPLETED', notesVersion: 1 });
    expect(await h.core.store.getJson(h.core.layout.todos(session.id))).toEqual(before);
    expect(await h.core.store.exists(h.core.layout.versionTodos(session.id, 1))).toBe(false);
  });

  it('two requests at once start one job', async () => {
    const session = await completedSession();
    const both = await Promise.allSettled([h.core.notes.regenerate(session.id, {}, 'a'), h.core.notes.regenerate(session.id, {}, 'b')]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await h.finalState(session.id)).notesVersion).toBe(2);
    expect((await h.core.sessionService.results(session.id)).versions).toHaveLength(2);
  });
});
