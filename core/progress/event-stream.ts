import type { Logger } from '../logger.js';

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

/** An entry as a reader took it from its stream, its payload parsed (null when it does not parse). */
export interface TakenEntry<T> {
  id: string;
  event: T | null;
}

/**
 * Hands taken entries to the handler the same way on every engine: concurrently (the handler coalesces per
 * key), each acked once its handler has resolved. An unreadable entry is logged and acked (it would never
 * parse); one whose handler throws is left pending, retried when its reader restarts or another claims it.
 */
export async function handleTaken<T>(
  entries: TakenEntry<T>[],
  handler: (event: T) => Promise<void>,
  stream: { name: string; ack: (id: string) => Promise<unknown>; log: Logger },
): Promise<void> {
  await Promise.all(
    entries.map(async ({ id, event }) => {
      if (event === null) {
        stream.log.warn({ id, stream: stream.name }, 'unreadable stream entry skipped');
      } else {
        try {
          await handler(event);
        } catch (err) {
          stream.log.warn({ err, id }, 'stream entry not handled');
          return;
        }
      }
      await stream.ack(id);
    }),
  );
}

/** Stream and group names (docs/architecture.md#progress-events) under a prefix: REDIS_KEY_PREFIX, empty in production. */
export function streamNames(prefix: string) {
  return { progress: `${prefix}progress-events`, todos: `${prefix}todo-events`, group: `${prefix}bots` };
}
