import type { Logger } from '../logger.js';
import { streamNames, type EventStream } from '../progress/event-stream.js';
import type { EventCarrier } from '../progress/index.js';
import { LogStreamFeed } from '../progress/log-stream-feed.js';
import { DbTodoEventBus } from './db.todo-events.js';
import { RedisTodoEventBus, RedisTodoFeed, TODO_STREAM_FIELD } from './redis.todo-events.js';
import { parseTodoEvent, type TodoEvent, type TodoEventBus, type TodoFeed } from './todo-events.js';

/** Todo ticks on the process's progress engine (docs/architecture.md#todo-events). */
export interface TodoEvents {
  events: TodoEventBus;
  /** Live ticks, riding the same subscriber as the progress feed. */
  feed: TodoFeed;
  /** What the bots read of ticks (nothing is read until it is started). */
  stream: EventStream<TodoEvent>;
  /** Stops the stream and closes the bus's connection; the carrier is the progress engine's. */
  close(): Promise<void>;
}

/** Builds the todo events on whichever engine carries progress: Redis, or the event log in the database. */
export function createTodoEvents(carrier: EventCarrier, log: Logger): TodoEvents {
  const name = streamNames(carrier.keyPrefix).todos;
  const stream = carrier.reader(name, TODO_STREAM_FIELD, parseTodoEvent);
  const [events, feed]: [TodoEventBus, TodoFeed] =
    carrier.engine === 'redis'
      ? [new RedisTodoEventBus(carrier.redis, log), new RedisTodoFeed(carrier.channels, carrier.keyPrefix, log)]
      : [new DbTodoEventBus(carrier.eventLog, name), new LogStreamFeed(carrier.logFeed, name, parseTodoEvent, log, 'todo event')];
  return {
    events,
    feed,
    stream,
    async close() {
      await stream.stop();
      await events.close();
    },
  };
}
