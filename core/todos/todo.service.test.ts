import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { expectAppError } from '../../test/helpers/assertions.js';
import { startS3, type TestS3 } from '../../test/helpers/s3-server.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { SessionsRepository } from '../db/sessions.repository.js';
import { TodoChangesRepository } from '../db/todo-changes.repository.js';
import { UsersRepository } from '../db/users.repository.js';
import { storageLayout } from '../domain/storage-layout.js';
import { buildDocuments, todosDocumentSchema, type MeetingNotes } from '../domain/todos.js';
import { createLogger } from '../logger.js';
import { DEFAULT_OPTIONS } from '../sessions/session.service.js';
import { createProgress } from '../progress/index.js';
import { RedisProgressFeed } from '../progress/redis.progress-bus.js';
import { S3ObjectStore } from '../storage/s3.object-store.js';
import { RedisTodoEventBus, RedisTodoFeed, todoNames, TODO_STREAM_FIELD } from './redis.todo-events.js';
import { isTodoTick, parseTodoEvent, type TodoEvent, type TodoTick } from './todo-events.js';
import { createTodos } from './index.js';
import { TodoService } from './todo.service.js';
import { removeKeys } from '../../test/helpers/cleanup.js';
import { databaseEngines, removeScratchDataDirs } from '../../test/helpers/database.js';

const log = createLogger('silent');
let s3: TestS3;
let config: Config;
let store: S3ObjectStore;
let events: RedisTodoEventBus;
let redis: Redis;
const layout = () => storageLayout(config.s3.buckets);

beforeAll(async () => {
  s3 = await startS3();
  config = testConfig({ S3_ENDPOINT: s3.endpoint });
  store = new S3ObjectStore(config.s3);
  await store.ensureBuckets();
  events = new RedisTodoEventBus(config.redis, log);
  redis = new Redis(config.redis.url);
});

afterAll(async () => {
  await removeKeys(config, redis);
  redis.disconnect();
  await events.close();
  await s3.close();
  await removeScratchDataDirs();
});

const storedTodos = async (id: string) => todosDocumentSchema.parse(await store.getJson(layout().todos(id))).todos;

async function streamedChanges(sessionId: string): Promise<TodoEvent[]> {
  const entries = await redis.xrange(todoNames(config.redis.keyPrefix).stream, '-', '+');
  return entries
    .map(([, fields]) => (fields[0] === TODO_STREAM_FIELD ? parseTodoEvent(fields[1]!) : null))
    .filter((e): e is TodoEvent => e?.sessionId === sessionId);
}

const streamedEvents = async (sessionId: string): Promise<TodoTick[]> => (await streamedChanges(sessionId)).filter(isTodoTick);

describe.each(databaseEngines(testConfig))('TodoService on $engine', ({ open }) => {
  // Two pools: ticks arrive through two processes as well as concurrently within one.
  let databases: Database[];
  let sessions: SessionsRepository;
  let userId: string;

  beforeAll(async () => {
    const first = await open();
    databases = [first, await first.another()];
    sessions = new SessionsRepository(first.knex);
    userId = await new UsersRepository(first.knex).resolve({ platform: 'cli', workspaceId: null, externalId: `todo-test-${randomUUID()}` });
  });

  afterAll(async () => {
    for (const db of databases.reverse()) await db.close();
  });

  function service(db = databases[0]!, clock?: () => Date): TodoService {
    return new TodoService({ knex: db.knex, sessions, changes: new TodoChangesRepository(db.knex), store, layout: layout(), events, log, clock });
  }

  /** A session whose todos.json lists `count` open todos. */
  async function sessionWithTodos(count: number): Promise<string> {
    const id = randomUUID();
    await sessions.create({
      id,
      userId,
      filename: 'sync.mp4',
      origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
      sourceKind: 'upload',
      options: DEFAULT_OPTIONS,
    });
    const notes: MeetingNotes = {
      summary: 'Sync',
      keyPoints: [],
      decisions: [],
      todos: Array.from({ length: count }, (_, i) => ({
        task: `Task ${i + 1}`, priority: 'medium' as const, context: '', assignee: null, due: null, segments: [i], timestamp: '00:00:01',
      })),
      estimatedTime: null,
    };
    await store.putJson(layout().todos(id), buildDocuments(id, notes, new Date()).todos);
    return id;
  }

  it('saves a tick with who and when, and announces it on the channel and the stream', async () => {
    const id = await sessionWithTodos(3);
    const feed = new RedisProgressFeed(config.redis, log);
    const live: TodoTick[] = [];
    await new RedisTodoFeed(feed, config.redis.keyPrefix, log).subscribe(id, (e) => isTodoTick(e) && live.push(e)).ready;

    const at = new Date('2026-11-25T10:31:00.000Z');
    const todo = await service(databases[0], () => at).setCompleted(id, '2', true, 'anna');
    expect(todo).toMatchObject({ id: '2', completed: true, completed_by: 'anna', completed_at: at.toISOString() });

    const stored = await storedTodos(id);
    expect(stored.map((t) => t.completed)).toEqual([false, true, false]);
    expect(stored[1]).toMatchObject({ completed_by: 'anna', completed_at: at.toISOString() });
    const expected = { sessionId: id, todoId: '2', completed: true, by: 'anna', at: at.toISOString() };
    expect(await streamedEvents(id)).toEqual([expected]);
    await vi.waitFor(() => expect(live).toEqual([expected]));
    await feed.close();
  });

  it('unticks, clearing who and when; setting the state it already has changes and announces nothing', async () => {
    const id = await sessionWithTodos(2);
    await service().setCompleted(id, '1', true, 'anna');
    await service().setCompleted(id, '1', false, 'ben');
    expect((await storedTodos(id))[0]).toMatchObject({ completed: false, completed_by: null, completed_at: null });
    await service().setCompleted(id, '1', false, 'ben');
    expect((await streamedEvents(id)).map((e) => [e.completed, e.by])).toEqual([[true, 'anna'], [false, 'ben']]);
  });

  it('saves several ticks in one write, skipping ids not on the list, and announces each change', async () => {
    const id = await sessionWithTodos(3);
    await service().setCompleted(id, '3', true, 'anna');
    const writes = vi.spyOn(store, 'putJson');
    const changes = new Map([['1', true], ['2', false], ['3', false], ['99', true]]);
    const changed = await service().setMany(id, changes, null);
    expect(changed.map((t) => t.id)).toEqual(['1', '3']);
    expect(writes).toHaveBeenCalledTimes(1);
    writes.mockRestore();
    expect((await storedTodos(id)).map((t) => t.completed)).toEqual([true, false, false]);
    expect((await streamedEvents(id)).map((e) => [e.todoId, e.completed])).toEqual([['3', true], ['1', true], ['3', false]]);
  });

  it('never loses a tick: 20 people ticking 20 todos of one meeting at once, through two processes', async () => {
    const id = await sessionWithTodos(20);
    const services = [service(databases[0]), service(databases[1])];
    await Promise.all(Array.from({ length: 20 }, (_, i) => services[i % 2]!.setCompleted(id, String(i + 1), true, `person-${i + 1}`)));

    const stored = await storedTodos(id);
    expect(stored.every((t) => t.completed)).toBe(true);
    expect(stored.map((t) => t.completed_by)).toEqual(Array.from({ length: 20 }, (_, i) => `person-${i + 1}`));
    expect((await streamedEvents(id)).map((e) => e.todoId).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1)),
    );
  });

  it('completes ticks announced on the embedded event bus, which writes to the same database', async () => {
    const id = await sessionWithTodos(3);
    const { knex } = databases[0]!;
    const embedded = createProgress(testConfig({ REDIS_URL: '' }), knex, log);
    const ticking = createTodos({ knex, sessions, store, layout: layout(), carrier: embedded.carrier, log });
    await Promise.all(['1', '2', '3'].map((todoId) => ticking.service.setCompleted(id, todoId, true, 'anna')));
    await ticking.close();
    await embedded.close();

    expect((await storedTodos(id)).every((t) => t.completed)).toBe(true);
    const logged = await databases[0]!.knex('event_log').where({ session_id: id }).pluck('payload');
    expect(logged.map((p: string) => (parseTodoEvent(p) as TodoTick | null)?.todoId).sort()).toEqual(['1', '2', '3']);
  });

  it('lists the todos as stored, and none before they are written', async () => {
    const id = await sessionWithTodos(2);
    await service().edit(id, '2', { task: 'Renamed' }, 'anna');
    expect((await service().list(id))?.map((t) => [t.id, t.task])).toEqual([['1', 'Task 1'], ['2', 'Renamed']]);
    expect(await service().list(randomUUID())).toBeNull();
  });

  it('answers clearly for an unknown session, todos not written yet, or an unknown todo', async () => {
    const unknown = await expectAppError(service().setCompleted(randomUUID(), '1', true, null), 'SESSION_NOT_FOUND', false);
    expect(unknown.userMessage).toMatch(/no longer exists/);
    await expectAppError(service().setCompleted('not-a-uuid', '1', true, null), 'SESSION_NOT_FOUND', false);

    const pending = randomUUID();
    await sessions.create({
      id: pending, userId, filename: null, sourceKind: 'upload', options: DEFAULT_OPTIONS,
      origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
    });
    expect((await expectAppError(service().setCompleted(pending, '1', true, null), 'TODOS_NOT_READY', false)).userMessage).toMatch(/not ready yet/);

    const listed = await sessionWithTodos(1);
    expect((await expectAppError(service().setCompleted(listed, '7', true, null), 'TODO_NOT_FOUND', false)).userMessage).toMatch(/not on this meeting/);
    expect(await streamedEvents(listed)).toEqual([]);
  });

  const changeKinds = async (id: string) => (await streamedChanges(id)).map((e) => (isTodoTick(e) ? `tick ${e.todoId}` : e.kind === 'todo' ? `${e.change} ${e.todoId}` : e.kind));
  const history = (id: string) => new TodoChangesRepository(databases[0]!.knex).forSession(id);

  it('edits a todo\'s text, owner, due date and priority, resolving the due phrase against the meeting day, with who and when', async () => {
    const id = await sessionWithTodos(2);
    const session = (await sessions.get(id))!;
    const at = new Date('2026-12-05T09:00:00.000Z');
    const edited = await service(databases[0], () => at).edit(id, '2', { task: '  Send the\nslides ', assignee: 'SPEAKER_01', due: '2026-12-11', priority: 'high' }, 'maria');
    expect(edited).toMatchObject({ id: '2', task: 'Send the slides', assignee: 'SPEAKER_01', due: '2026-12-11', due_date: '2026-12-11', priority: 'high', edited_by: 'maria', edited_at: at.toISOString() });
    const stored = todosDocumentSchema.parse(await store.getJson(layout().todos(id)));
    expect(stored.todos[1]).toEqual(edited);
    expect(stored.metadata.high_priority).toBe(1);
    expect(stored.todos[0]).toMatchObject({ task: 'Task 1' });
    expect(stored.todos[0]!.edited_by).toBeUndefined();

    // A phrase is read against the day the meeting was recorded, like the phrases the model writes.
    const tomorrow = new Date(session.createdAt.getTime() + 86_400_000).toISOString().slice(0, 10);
    expect(await service().edit(id, '1', { due: 'tomorrow' }, 'ben')).toMatchObject({ due: 'tomorrow', due_date: tomorrow });
    expect(await service().edit(id, '1', { due: 'whenever' }, 'ben')).toMatchObject({ due: 'whenever', due_date: null });

    const [first] = await history(id);
    expect(first).toMatchObject({ todoId: '2', kind: 'edit', by: 'maria', at, before: { task: 'Task 2', priority: 'medium' }, after: { task: 'Send the slides' } });
    expect(await changeKinds(id)).toEqual(['edit 2', 'edit 1', 'edit 1']);
  });

  it('an edit that changes nothing is neither saved nor announced; a bad edit is refused with a clear sentence', async () => {
    const id = await sessionWithTodos(1);
    const writes = vi.spyOn(store, 'putJson');
    await service().edit(id, '1', { task: 'Task 1', assignee: null }, 'maria');
    expect(writes).not.toHaveBeenCalled();
    writes.mockRestore();
    expect((await expectAppError(service().edit(id, '1', { task: ' \n ' }, 'maria'), 'TODO_INVALID', false)).userMessage).toBe('A todo needs some text.');
    expect((await expectAppError(service().edit(id, '1', { task: 'x'.repeat(301) }, 'maria'), 'TODO_INVALID', false)).userMessage).toMatch(/at most 300 characters/);
    expect((await expectAppError(service().edit(id, '1', { assignee: 'y'.repeat(101) }, 'maria'), 'TODO_INVALID', false)).userMessage).toMatch(/owner is at most 100/);
    await expectAppError(service().edit(id, '9', { task: 'Other' }, 'maria'), 'TODO_NOT_FOUND', false);
    expect(await history(id)).toEqual([]);
    expect(await changeKinds(id)).toEqual([]);
  });

  it('two people editing different fields of one todo at once through two processes both keep their change', async () => {
    const id = await sessionWithTodos(1);
    const seen = { task: 'Task 1', assignee: null, due: null };
    await Promise.all([
      service(databases[0]).edit(id, '1', { ...seen, task: 'Book the room' }, 'anna', seen),
      service(databases[1]).edit(id, '1', { ...seen, assignee: 'Ben' }, 'ben', seen),
    ]);
    expect((await storedTodos(id))[0]).toMatchObject({ task: 'Book the room', assignee: 'Ben' });
    expect((await history(id)).map((c) => [c.kind, c.by]).sort()).toEqual([['edit', 'anna'], ['edit', 'ben']]);
    expect(await changeKinds(id)).toEqual(['edit 1', 'edit 1']);
  });

  it('refuses an edit of a field someone changed since the editor opened it, saying what it now holds, and saves none of it', async () => {
    const id = await sessionWithTodos(1);
    const seen = { task: 'Task 1', assignee: null, due: null };
    await service().edit(id, '1', { ...seen, task: 'Book the room' }, 'anna', seen);
    const conflict = await expectAppError(service().edit(id, '1', { task: 'Book a bigger room', assignee: 'Ben' }, 'ben', seen), 'TODO_EDIT_CONFLICT', false);
    expect(conflict.userMessage).toBe('Someone changed this todo while you were editing it: its text is now “Book the room”. Nothing was saved; please edit it again.');
    expect((await storedTodos(id))[0]).toMatchObject({ task: 'Book the room', assignee: null });
    // Typing what the other person already typed is no conflict.
    await service().edit(id, '1', { task: 'Book the room', assignee: 'Ben' }, 'ben', seen);
    expect((await storedTodos(id))[0]).toMatchObject({ task: 'Book the room', assignee: 'Ben', edited_by: 'ben' });
  });

  it('adds a todo by hand with an id never used, and removes one keeping it in the history; ticks and edits of it then fail clearly', async () => {
    const id = await sessionWithTodos(3);
    await service().remove(id, '3', 'anna');
    const added = await service().add(id, { task: 'Write the minutes', assignee: 'Maria', due: '2026-12-24' }, 'ben');
    // "3" was removed: a link or checkbox still naming it must not reach the new todo.
    expect(added).toMatchObject({ id: '4', task: 'Write the minutes', assignee: 'Maria', due_date: '2026-12-24', priority: 'medium', completed: false, added_by: 'ben', timestamp: null, segments: [] });
    const stored = todosDocumentSchema.parse(await store.getJson(layout().todos(id)));
    expect(stored.todos.map((t) => t.id)).toEqual(['1', '2', '4']);
    expect(stored.metadata.total_todos).toBe(3);

    await expectAppError(service().setCompleted(id, '3', true, 'anna'), 'TODO_NOT_FOUND', false);
    await expectAppError(service().edit(id, '3', { task: 'Back' }, 'anna'), 'TODO_NOT_FOUND', false);
    const changes = await history(id);
    expect(changes.map((c) => [c.kind, c.todoId, c.by])).toEqual([['remove', '3', 'anna'], ['add', '4', 'ben']]);
    expect(changes[0]).toMatchObject({ before: { id: '3', task: 'Task 3' }, after: null });
    expect(await new TodoChangesRepository(databases[0]!.knex).removed(id)).toMatchObject([{ id: '3', task: 'Task 3' }]);
    expect(await changeKinds(id)).toEqual(['remove 3', 'add 4']);
  });

  it('keeps ticks, edits, additions and removals made at once by many people: none is lost', async () => {
    const id = await sessionWithTodos(6);
    const services = [service(databases[0]), service(databases[1])];
    await Promise.all([
      services[0]!.setCompleted(id, '1', true, 'a'),
      services[1]!.edit(id, '1', { assignee: 'Ana' }, 'b'),
      services[0]!.edit(id, '2', { task: 'Renamed' }, 'c'),
      services[1]!.remove(id, '3', 'd'),
      services[0]!.add(id, { task: 'New one' }, 'e'),
      services[1]!.add(id, { task: 'New two' }, 'f'),
      services[0]!.setCompleted(id, '6', true, 'g'),
    ]);
    const stored = await storedTodos(id);
    expect(stored.find((t) => t.id === '1')).toMatchObject({ completed: true, assignee: 'Ana' });
    expect(stored.find((t) => t.id === '2')).toMatchObject({ task: 'Renamed' });
    expect(stored.find((t) => t.id === '6')).toMatchObject({ completed: true });
    expect(stored.map((t) => t.id)).not.toContain('3');
    expect(stored.filter((t) => t.added_at).map((t) => [t.id, t.task]).sort()).toEqual([['7', expect.any(String)], ['8', expect.any(String)]]);
    expect((await history(id)).length).toBe(7);
  });

  it('a saved tick stands even when its announcement cannot be sent', async () => {
    const id = await sessionWithTodos(1);
    const down = new RedisTodoEventBus({ url: 'redis://127.0.0.1:1', keyPrefix: config.redis.keyPrefix }, log);
    const ticking = new TodoService({ knex: databases[0]!.knex, sessions, changes: new TodoChangesRepository(databases[0]!.knex), store, layout: layout(), events: down, log });
    await expect(ticking.setCompleted(id, '1', true, 'anna')).resolves.toMatchObject({ completed: true });
    expect((await storedTodos(id))[0]!.completed).toBe(true);
    await down.close();
  });
});
