import { progressEventSchema, type ProgressEvent, type ProgressUpdate } from '../domain/progress.js';
import { parseJsonAs } from '../json.js';

/**
 * Progress events (docs/architecture.md#progress-events): the latest state per session, live delivery per session and the capped
 * `progress-events` stream that bots read in a consumer group. Engines: Redis, or the embedded one (in
 * process, kept in the database).
 */
export interface ProgressBus {
  /**
   * Stamps seq (monotonic per session) and time, stores it as the latest state and fans it out. A final
   * state stands: a later non-final update is dropped and the stored final event returned, unless it
   * `reopens` the session (a FAILED session retried: the caller moved its row back to PROCESSING first).
   */
  publish(update: ProgressUpdate, options?: PublishOptions): Promise<ProgressEvent>;
  latest(sessionId: string): Promise<ProgressEvent | null>;
  /** Removes every key a session owns. */
  forget(sessionId: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PublishOptions {
  /** The update replaces a final state instead of being dropped by it. */
  reopens?: boolean;
}

/** Stops one listener. `ready` settles once the listener is subscribed (see ProgressFeed). */
export type Unsubscribe = (() => void) & { readonly ready: Promise<void> };

/**
 * Live progress for viewers in this process (web SSE, CLI `--wait`): one subscriber per process (a Redis
 * connection, or one poll of the database), fanned out in memory, never one per viewer.
 */
export interface ProgressFeed {
  /**
   * Calls `listener` with every event published for the session from now on. Await the returned
   * function's `ready` before reading `ProgressBus.latest()`, so no event falls between the two.
   */
  subscribe(sessionId: string, listener: (event: ProgressEvent) => void): Unsubscribe;
  close(): Promise<void>;
}

/** A progress event from its JSON (stored state, channel message, stream entry), or null when it is not one. */
export const parseProgressEvent = (raw: string): ProgressEvent | null => parseJsonAs(progressEventSchema, raw);

const unsequencedEventSchema = progressEventSchema.omit({ seq: true });

/** An update made an event, but for its seq (which the engine assigns): validated, time-stamped, defaults filled. */
export function stampUpdate(update: ProgressUpdate, at: Date): Omit<ProgressEvent, 'seq'> {
  return unsequencedEventSchema.parse({ ...update, etaSeconds: update.etaSeconds ?? null, error: update.error ?? null, at: at.toISOString() });
}
