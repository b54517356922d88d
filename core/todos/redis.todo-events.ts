import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { streamNames } from '../progress/event-stream.js';
import type { Unsubscribe } from '../progress/progress-bus.js';
import type { ChannelFeed } from '../progress/redis.progress-bus.js';
import { parseTodoEvent, type TodoEvent, type TodoEventBus, type TodoFeed } from './todo-events.js';
import { FAIL_FAST } from '../progress/redis.progress-bus.js';

/** Channel and stream names beside the progress names (docs/architecture.md#todo-events), under the configured prefix. */
export function todoNames(keyPrefix: string) {
  return {
    channel: (sessionId: string) => `${keyPrefix}todos:${sessionId}`,
    stream: streamNames(keyPrefix).todos,
  };
}

/** Each `todo-events` entry holds the event JSON under this field (as `progress-events` does). */
export const TODO_STREAM_FIELD = 'event';

export class RedisTodoEventBus implements TodoEventBus {
  private readonly client: Redis;
  private readonly names: ReturnType<typeof todoNames>;

  constructor(
    redis: Config['redis'],
    logger: Logger,
    private readonly streamMaxLength = 10_000,
  ) {
    this.client = new Redis(redis.url, { connectionName: `${redis.keyPrefix}whisper-notes:todo-events`, lazyConnect: true, ...FAIL_FAST });
    this.client.on('error', (err: Error) => logger.warn({ err }, 'redis connection error'));
    this.names = todoNames(redis.keyPrefix);
  }

  async publish(event: TodoEvent): Promise<void> {
    const json = JSON.stringify(event);
    // One transaction: viewers and bots see the same events in the same order.
    const results = await this.client
      .multi()
      .publish(this.names.channel(event.sessionId), json)
      .xadd(this.names.stream, 'MAXLEN', '~', this.streamMaxLength, '*', TODO_STREAM_FIELD, json)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('todo event transaction was discarded');
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (this.client.status === 'wait' || this.client.status === 'end') this.client.disconnect();
    else await this.client.quit();
  }
}

/** Todo events of a session, carried by the process's shared subscriber connection. */
export class RedisTodoFeed implements TodoFeed {
  private readonly names: ReturnType<typeof todoNames>;

  constructor(
    private readonly channels: ChannelFeed,
    keyPrefix: string,
    private readonly logger: Logger,
  ) {
    this.names = todoNames(keyPrefix);
  }

  subscribe(sessionId: string, listener: (event: TodoEvent) => void): Unsubscribe {
    return this.channels.subscribeChannel(this.names.channel(sessionId), (message) => {
      const event = parseTodoEvent(message);
      if (event) listener(event);
      else this.logger.warn({ sessionId, bytes: message.length }, 'malformed todo event ignored');
    });
  }
}
