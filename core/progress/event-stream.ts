import type { ProgressEvent } from '../domain/progress.js';
import type { TodoEvent } from '../todos/todo-events.js';

/**
 * A durable stream read by one consumer group: every event is handed to one reader of the group and only
 * counts as handled once its handler has resolved. An event whose handler throws (or whose reader dies)
 * stays pending: it is handed out again when that reader restarts, or to any reader of the group once it
 * has been pending for a while. Delivery is at least once, so handlers must tolerate repeats.
 */
export interface EventStream<T> {
  /** Starts reading; events published since the group was first started are delivered. */
  start(handler: (event: T) => Promise<void>): void;
  /** Stops reading and waits for the handlers in flight. Harmless when never started. */
  stop(): Promise<void>;
}

/** The two streams the bots read: progress edits status messages, todo ticks re-render results. */
export interface EventStreams {
  progress: EventStream<ProgressEvent>;
  todos: EventStream<TodoEvent>;
}

/** Stream and group names (DESIGN §4) under a prefix: REDIS_KEY_PREFIX, empty in production. */
export function streamNames(prefix: string) {
  return { progress: `${prefix}progress-events`, todos: `${prefix}todo-events`, group: `${prefix}bots` };
}
