import type { Config } from '../config.js';
import type { Knex } from '../db/knex.js';
import type { ProgressEvent } from '../domain/progress.js';
import type { Logger } from '../logger.js';
import { DbEventStream } from './db.event-stream.js';
import { DbProgressBus } from './db.progress-bus.js';
import { EventLog } from './event-log.js';
import { streamNames, type EventStream } from './event-stream.js';
import { LogFeed } from './log-feed.js';
import { LogStreamFeed } from './log-stream-feed.js';
import { parseProgressEvent, type ProgressBus, type ProgressFeed } from './progress-bus.js';
import { PROGRESS_STREAM_FIELD, RedisProgressBus, RedisProgressFeed, type ChannelFeed } from './redis.progress-bus.js';
import { RedisStreamConsumer } from './redis.stream-consumer.js';

export type { EventStream } from './event-stream.js';
export type { ProgressBus, ProgressFeed, Unsubscribe } from './progress-bus.js';

/** Everything a process needs of progress events, on the configured engine. */
export interface ProgressEngine {
  bus: ProgressBus;
  /** The process's one subscriber: live progress for viewers. */
  feed: ProgressFeed;
  /** What the bots read of progress (nothing is read until it is started). */
  stream: EventStream<ProgressEvent>;
  /** What other events (todo ticks, built by core/todos) ride: the same engine, subscriber and bots' group. */
  carrier: EventCarrier;
  /** Stops the stream and closes the engine's connections; the database is the caller's. */
  close(): Promise<void>;
}

interface CarrierBase {
  /** REDIS_KEY_PREFIX, under which every stream is named (streamNames). */
  keyPrefix: string;
  /** A reader of `stream` in the bots' group; `field` names where a Redis entry holds its event JSON. */
  reader<T>(stream: string, field: string, parse: (raw: string) => T | null): EventStream<T>;
}

/** The Redis engine: its settings, and the process's subscriber connection for other channels. */
export interface RedisCarrier extends CarrierBase {
  engine: 'redis';
  redis: Config['redis'];
  channels: ChannelFeed;
}

/** The embedded engine: the event log in the database, and the process's one poll of it. */
export interface EmbeddedCarrier extends CarrierBase {
  engine: 'memory';
  eventLog: EventLog;
  logFeed: LogFeed;
}

export type EventCarrier = RedisCarrier | EmbeddedCarrier;

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
      await engine.stream.stop();
      await Promise.allSettled([engine.bus.close(), engine.feed.close()]);
    },
  };
}

type Parts = Omit<ProgressEngine, 'close'>;

function redisEngine(redis: Config['redis'], log: Logger): Parts {
  const names = streamNames(redis.keyPrefix);
  const feed = new RedisProgressFeed(redis, log.child({ component: 'progress-feed' }));
  const streamsLog = log.child({ component: 'event-streams' });
  const reader = <T>(stream: string, field: string, parse: (raw: string) => T | null) =>
    new RedisStreamConsumer({ redisUrl: redis.url, stream, group: names.group, field, parse }, streamsLog);
  return {
    bus: new RedisProgressBus(redis, log.child({ component: 'progress' })),
    feed,
    stream: reader(names.progress, PROGRESS_STREAM_FIELD, parseProgressEvent),
    carrier: { engine: 'redis', keyPrefix: redis.keyPrefix, redis, channels: feed, reader },
  };
}

function embeddedEngine(prefix: string, knex: Knex, log: Logger): Parts {
  const names = streamNames(prefix);
  const eventLog = new EventLog(knex, log.child({ component: 'event-log' }));
  const feedLog = log.child({ component: 'progress-feed' });
  const logFeed = new LogFeed(eventLog, feedLog);
  const streamsLog = log.child({ component: 'event-streams' });
  // Event log entries have no fields: the payload is the event JSON.
  const reader = <T>(stream: string, _field: string, parse: (raw: string) => T | null) =>
    new DbEventStream(eventLog, { stream, group: names.group, parse }, streamsLog);
  return {
    bus: new DbProgressBus(eventLog, names.progress, log.child({ component: 'progress' })),
    feed: new LogStreamFeed(logFeed, names.progress, parseProgressEvent, feedLog, 'progress message'),
    stream: reader(names.progress, PROGRESS_STREAM_FIELD, parseProgressEvent),
    carrier: { engine: 'memory', keyPrefix: prefix, eventLog, logFeed, reader },
  };
}
