import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { expectAppError } from '../../test/helpers/assertions.js';
import { startS3, type TestS3 } from '../../test/helpers/s3-server.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { SessionsRepository } from '../db/sessions.repository.js';
import { UsersRepository } from '../db/users.repository.js';
import { storageLayout } from '../domain/storage-layout.js';
import { buildDocuments, todosDocumentSchema, type MeetingNotes } from '../domain/todos.js';
import { createLogger } from '../logger.js';
import { DEFAULT_OPTIONS } from '../sessions/session.service.js';
import { createProgress } from '../progress/index.js';
import { RedisProgressFeed } from '../progress/redis.progress-bus.js';
import { S3ObjectStore } from '../storage/s3.object-store.js';
import { RedisTodoEventBus, RedisTodoFeed, todoNames, TODO_STREAM_FIELD } from './redis.todo-events.js';
import { parseTodoEvent, type TodoTick } from './todo-events.js';
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

async function streamedEvents(sessionId: string): Promise<TodoTick[]> {
  const entries = await redis.xrange(todoNames(config.redis.keyPrefix).stream, '-', '+');
  return entries
    .map(([, fields]) => (fields[0] === TODO_STREAM_FIELD ? parseTodoEvent(fields[1]!) : null))
    .filter((e): e is TodoTick => e?.sessionId === sessionId && e.kind !== 'speakers');
}

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
    return new TodoService({ knex: db.knex, sessions, store, layout: layout(), events, log, clock });
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
    await new RedisTodoFeed(feed, config.redis.keyPrefix, log).subscribe(id, (e) => (e.kind ?? 'tick') === 'tick' && live.push(e as TodoTick)).ready;

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

  it('a saved tick stands even when its announcement cannot be sent', async () => {
    const id = await sessionWithTodos(1);
    const down = new RedisTodoEventBus({ url: 'redis://127.0.0.1:1', keyPrefix: config.redis.keyPrefix }, log);
    const ticking = new TodoService({ knex: databases[0]!.knex, sessions, store, layout: layout(), events: down, log });
    await expect(ticking.setCompleted(id, '1', true, 'anna')).resolves.toMatchObject({ completed: true });
    expect((await storedTodos(id))[0]!.completed).toBe(true);
    await down.close();
  });
});
