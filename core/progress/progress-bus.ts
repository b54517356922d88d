import type { ProgressEvent, ProgressUpdate } from '../domain/progress.js';

/**
 * Progress events (DESIGN §4): the latest state per session, a pub/sub channel per session and the
 * capped `progress-events` stream that bots read in a consumer group.
 */
export interface ProgressBus {
  /** Stamps seq (monotonic per session) and time, stores it as the latest state and fans it out. */
  publish(update: ProgressUpdate): Promise<ProgressEvent>;
  latest(sessionId: string): Promise<ProgressEvent | null>;
  /** Removes every key a session owns. */
  forget(sessionId: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
