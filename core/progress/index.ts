import type { Config } from '../config.js';
import type { Knex } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { DbTodoEventBus } from '../todos/db.todo-events.js';
import { RedisTodoEventBus, RedisTodoFeed, TODO_STREAM_FIELD } from '../todos/redis.todo-events.js';
import { parseTodoEvent, type TodoEventBus, type TodoFeed } from '../todos/todo-events.js';
import { DbEventStream } from './db.event-stream.js';
import { DbProgressBus } from './db.progress-bus.js';
import { EventLog } from './event-log.js';
import { streamNames, type EventStreams } from './event-stream.js';
import { LogFeed } from './log-feed.js';
import { LogStreamFeed } from './log-stream-feed.js';
import { parseProgressEvent, type ProgressBus, type ProgressFeed } from './progress-bus.js';
import { PROGRESS_STREAM_FIELD, RedisProgressBus, RedisProgressFeed } from './redis.progress-bus.js';
import { RedisStreamConsumer } from './redis.stream-consumer.js';

export type { EventStream, EventStreams } from './event-stream.js';
export type { ProgressBus, ProgressFeed, Unsubscribe } from './progress-bus.js';

/** Everything a process needs of progress and todo events, on the configured engine. */
export interface ProgressEngine {
  bus: ProgressBus;
  /** The process's one subscriber: live progress for viewers. */
  feed: ProgressFeed;
  todoEvents: TodoEventBus;
  /** Live todo events, riding the same subscriber as `feed`. */
  todoFeed: TodoFeed;
  /** What the bots read (nothing is read until a stream is started). */
  streams: EventStreams;
  /** Stops the streams and closes the engine's connections; the database is the caller's. */
  close(): Promise<void>;
}

/**
 * Redis when REDIS_URL is set; otherwise the embedded engine: fan-out in this process, the latest states
 * and the bots' streams kept in the database (so a restart loses nothing), and a poll of the database so
 * another process on it (the CLI's `submit --wait`) still sees progress. Both engines name their streams
 * and the bots' group under REDIS_KEY_PREFIX (empty in production), which keeps test runs apart.
 */
export function createProgress(config: Config, knex: Knex, log: Logger): ProgressEngine {
  const engine = config.engines.progress === 'redis' ? redisEngine(config.redis, log) : embeddedEngine(config.redis.keyPrefix, knex, log);
  return {
    ...engine,
    async close() {
      await Promise.all([engine.streams.progress.stop(), engine.streams.todos.stop()]);
      await Promise.allSettled([engine.bus.close(), engine.feed.close(), engine.todoEvents.close()]);
    },
  };
}

type Parts = Omit<ProgressEngine, 'close'>;

function redisEngine(redis: Config['redis'], log: Logger): Parts {
  const names = streamNames(redis.keyPrefix);
  const feed = new RedisProgressFeed(redis, log.child({ component: 'progress-feed' }));
  const todosLog = log.child({ component: 'todos' });
  const streamsLog = log.child({ component: 'event-streams' });
  const consumer = <T>(stream: string, field: string, parse: (raw: string) => T | null) =>
    new RedisStreamConsumer({ redisUrl: redis.url, stream, group: names.group, field, parse }, streamsLog);
  return {
    bus: new RedisProgressBus(redis, log.child({ component: 'progress' })),
    feed,
    todoEvents: new RedisTodoEventBus(redis, todosLog),
    todoFeed: new RedisTodoFeed(feed, redis.keyPrefix, todosLog),
    streams: {
      progress: consumer(names.progress, PROGRESS_STREAM_FIELD, parseProgressEvent),
      todos: consumer(names.todos, TODO_STREAM_FIELD, parseTodoEvent),
    },
  };
}

function embeddedEngine(prefix: string, knex: Knex, log: Logger): Parts {
  const names = streamNames(prefix);
  const eventLog = new EventLog(knex, log.child({ component: 'event-log' }));
  const feedLog = log.child({ component: 'progress-feed' });
  const logFeed = new LogFeed(eventLog, feedLog);
  const streamsLog = log.child({ component: 'event-streams' });
  const reader = <T>(stream: string, parse: (raw: string) => T | null) => new DbEventStream(eventLog, { stream, group: names.group, parse }, streamsLog);
  return {
    bus: new DbProgressBus(eventLog, names.progress, log.child({ component: 'progress' })),
    feed: new LogStreamFeed(logFeed, names.progress, parseProgressEvent, feedLog, 'progress message'),
    todoEvents: new DbTodoEventBus(eventLog, names.todos),
    todoFeed: new LogStreamFeed(logFeed, names.todos, parseTodoEvent, log.child({ component: 'todos' }), 'todo event'),
    streams: {
      progress: reader(names.progress, parseProgressEvent),
      todos: reader(names.todos, parseTodoEvent),
    },
  };
}
