import type { ProgressEvent, ProgressUpdate } from '../domain/progress.js';

/**
 * Progress events (DESIGN §4): the latest state per session, a pub/sub channel per session and the
 * capped `progress-events` stream that bots read in a consumer group.
 */
export interface ProgressBus {
  /**
   * Stamps seq (monotonic per session) and time, stores it as the latest state and fans it out. A final
   * state stands: a later non-final update is dropped and the stored final event returned.
   */
  publish(update: ProgressUpdate): Promise<ProgressEvent>;
  latest(sessionId: string): Promise<ProgressEvent | null>;
  /** Removes every key a session owns. */
  forget(sessionId: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Stops one listener. `ready` settles once the session's channel is subscribed (see ProgressFeed). */
export type Unsubscribe = (() => void) & { readonly ready: Promise<void> };

/**
 * Live progress for viewers in this process (web SSE, CLI `--wait`): one subscriber connection per process,
 * fanned out in memory, never one connection per viewer.
 */
export interface ProgressFeed {
  /**
   * Calls `listener` with every event published for the session from now on. Await the returned
   * function's `ready` before reading `ProgressBus.latest()`, so no event falls between the two.
   */
  subscribe(sessionId: string, listener: (event: ProgressEvent) => void): Unsubscribe;
  close(): Promise<void>;
}
