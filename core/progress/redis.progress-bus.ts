import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';
import type { ProgressEvent, ProgressUpdate } from '../domain/progress.js';
import { isFinal } from '../domain/session.js';
import type { Logger } from '../logger.js';
import { streamNames } from './event-stream.js';
import { parseOnce } from './parse-once.js';
import { parseProgressEvent, stampUpdate, type ProgressBus, type PublishOptions, type ProgressFeed, type Unsubscribe } from './progress-bus.js';

export { parseProgressEvent };

const DAY_SECONDS = 24 * 60 * 60;

/** Key, channel and stream names (docs/architecture.md#progress-events), under the configured prefix (empty in production). */
export function progressNames(keyPrefix: string) {
  const latest = (sessionId: string) => `${keyPrefix}progress:${sessionId}`;
  return {
    latest,
    /** The pub/sub channel shares the latest-state key's name. */
    channel: latest,
    seq: (sessionId: string) => `${keyPrefix}progress:${sessionId}:seq`,
    stream: streamNames(keyPrefix).progress,
  };
}

/** Each `progress-events` entry holds the event JSON under this field. */
export const PROGRESS_STREAM_FIELD = 'event';

/**
 * One atomic step, so seq order is the order in which events are stored, published and streamed, whoever
 * publishes. The event JSON arrives split around its seq, which only Redis knows. Once a session's latest
 * event is final (COMPLETED, FAILED, CANCELLED), a progress update still in flight from a job that has not
 * yet noticed a cancellation is dropped: the answer is then the stored final event instead of a seq.
 * KEYS: latest/channel, seq, stream. ARGV: JSON before seq, JSON after seq, TTL seconds, stream cap,
 * '1' when the new event replaces a final one (it is final itself, or it reopens the session).
 */
const PUBLISH_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and ARGV[5] == '0' then
  local status = cjson.decode(current).status
  if status == 'COMPLETED' or status == 'FAILED' or status == 'CANCELLED' then return current end
end
local seq = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
local event = ARGV[1] .. seq .. ARGV[2]
redis.call('SET', KEYS[1], event, 'EX', ARGV[3])
redis.call('PUBLISH', KEYS[1], event)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', '${PROGRESS_STREAM_FIELD}', event)
return seq
`;

/** Options of command connections whose callers must not wait on an outage. */
export const FAIL_FAST: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 2000 };

function connect(redis: Config['redis'], logger: Logger, role: string, options: RedisOptions = {}): Redis {
  // Named so operators (and tests) can tell our connections apart in CLIENT LIST.
  const client = new Redis(redis.url, { connectionName: `${redis.keyPrefix}whisper-notes:${role}`, lazyConnect: true, ...options });
  client.on('error', (err: Error) => logger.warn({ err, role }, 'redis connection error'));
  return client;
}

async function disconnect(client: Redis): Promise<void> {
  // quit() on a client that never connected would connect first just to say goodbye.
  if (client.status === 'wait' || client.status === 'end') client.disconnect();
  else await client.quit();
}

export interface RedisProgressBusOptions {
  clock?: () => Date;
  /** Approximate length the `progress-events` stream is trimmed to (XADD MAXLEN ~). */
  streamMaxLength?: number;
}

export class RedisProgressBus implements ProgressBus {
  private readonly client: Redis;
  private readonly names: ReturnType<typeof progressNames>;
  private readonly clock: () => Date;
  private readonly streamMaxLength: number;

  constructor(
    redis: Config['redis'],
    private readonly logger: Logger,
    options: RedisProgressBusOptions = {},
  ) {
    // Progress is a view of the pipeline: while Redis is down or unresponsive, a publish fails within
    // seconds instead of waiting for it, so the work it reports on is never held up (the subscriber keeps
    // retrying). A command can be cut off mid-flight, so a time limit is what bounds it, not retry counts.
    this.client = connect(redis, logger, 'progress', FAIL_FAST);
    this.names = progressNames(redis.keyPrefix);
    this.clock = options.clock ?? (() => new Date());
    this.streamMaxLength = options.streamMaxLength ?? 10_000;
  }

  async publish(update: ProgressUpdate, options: PublishOptions = {}): Promise<ProgressEvent> {
    const { sessionId, ...rest } = stampUpdate(update, this.clock());
    const before = `{"sessionId":${JSON.stringify(sessionId)},"seq":`;
    const after = `,${JSON.stringify(rest).slice(1)}`;
    const answer = await this.client.eval(
      PUBLISH_SCRIPT,
      3,
      this.names.latest(sessionId),
      this.names.seq(sessionId),
      this.names.stream,
      before,
      after,
      DAY_SECONDS,
      this.streamMaxLength,
      isFinal(rest.status) || options.reopens ? '1' : '0',
    );
    if (typeof answer === 'string') {
      const stored = parseProgressEvent(answer);
      if (stored) return stored;
    }
    return { sessionId, seq: Number(answer), ...rest };
  }

  async latest(sessionId: string): Promise<ProgressEvent | null> {
    const raw = await this.client.get(this.names.latest(sessionId));
    if (raw === null) return null;
    const event = parseProgressEvent(raw);
    if (!event) this.logger.warn({ sessionId }, 'stored progress event is malformed; ignoring it');
    return event;
  }

  async forget(sessionId: string): Promise<void> {
    await this.client.del(this.names.latest(sessionId), this.names.seq(sessionId));
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    await disconnect(this.client);
  }
}

type MessageListener = (message: string) => void;

interface Channel {
  /** Wrapped, so the same function subscribed twice is two subscriptions. */
  listeners: Set<{ listener: MessageListener }>;
  ready: Promise<void>;
}

/** Raw messages of any channel, over a connection that is shared rather than opened per listener. */
export interface ChannelFeed {
  subscribeChannel(channel: string, listener: MessageListener): Unsubscribe;
}

/**
 * The process's subscriber: progress channels, and through `subscribeChannel` any other channel (todo
 * events), all fanned out in memory from one Redis connection.
 */
export class RedisProgressFeed implements ProgressFeed, ChannelFeed {
  /** The process's one subscriber connection; it connects when the first viewer arrives. */
  private readonly subscriber: Redis;
  private readonly names: ReturnType<typeof progressNames>;
  private readonly channels = new Map<string, Channel>();
  private closed = false;
  private readonly parse = parseOnce(parseProgressEvent, (message) =>
    this.logger.warn({ bytes: message.length }, 'malformed progress message ignored'),
  );

  constructor(
    redis: Config['redis'],
    private readonly logger: Logger,
  ) {
    this.subscriber = connect(redis, logger, 'progress-feed');
    this.names = progressNames(redis.keyPrefix);
    this.subscriber.on('message', (channel: string, message: string) => this.deliver(channel, message));
  }

  subscribe(sessionId: string, listener: (event: ProgressEvent) => void): Unsubscribe {
    return this.subscribeChannel(this.names.channel(sessionId), (message) => {
      const event = this.parse(message);
      if (event) listener(event);
    });
  }

  subscribeChannel(name: string, listener: MessageListener): Unsubscribe {
    if (this.closed) throw new Error('progress feed is closed');
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { listeners: new Set(), ready: this.redisSubscribe(name) };
      this.channels.set(name, channel);
    }
    const entry = { listener };
    channel.listeners.add(entry);

    const joined = channel;
    let active = true;
    const stop = () => {
      if (!active) return;
      active = false;
      joined.listeners.delete(entry);
      if (joined.listeners.size > 0 || this.channels.get(name) !== joined) return;
      this.channels.delete(name);
      this.subscriber.unsubscribe(name).catch((err: unknown) => this.logger.warn({ err, channel: name }, 'progress unsubscribe failed'));
    };
    return Object.assign(stop, { ready: joined.ready });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    await disconnect(this.subscriber);
  }

  private redisSubscribe(name: string): Promise<void> {
    const ready = this.subscriber.subscribe(name).then(() => undefined);
    // Logged here so a caller that never awaits `ready` leaves no unhandled rejection; awaiting callers still see it.
    ready.catch((err: unknown) => this.logger.warn({ err, channel: name }, 'progress subscribe failed'));
    return ready;
  }

  private deliver(name: string, message: string): void {
    const channel = this.channels.get(name);
    if (!channel) return; // in flight while the last listener left
    for (const { listener } of [...channel.listeners]) {
      try {
        listener(message);
      } catch (err) {
        this.logger.error({ err, channel: name }, 'progress listener failed');
      }
    }
  }
}
