import type { Logger } from '../logger.js';
import type { LogFeed } from './log-feed.js';
import { parseOnce } from './parse-once.js';
import type { Unsubscribe } from './progress-bus.js';

/**
 * Live events of one event log stream (progress, or todo ticks) for listeners in this process, carried by
 * the process's one LogFeed. Each entry is parsed once for all its listeners; one that does not parse is
 * logged and skipped.
 */
export class LogStreamFeed<T> {
  private readonly parse: (payload: string) => T | null;

  constructor(
    private readonly feed: LogFeed,
    private readonly stream: string,
    parse: (payload: string) => T | null,
    logger: Logger,
    /** What an entry holds, for the warning about one that does not parse ("progress message"). */
    what: string,
  ) {
    this.parse = parseOnce(parse, (payload) => logger.warn({ bytes: payload.length }, `malformed ${what} ignored`));
  }

  subscribe(sessionId: string, listener: (event: T) => void): Unsubscribe {
    return this.feed.subscribe(this.stream, sessionId, (payload) => {
      const event = this.parse(payload);
      if (event) listener(event);
    });
  }

  /** Closes the process's log feed, which every stream's feed shares (as Redis' subscriber is shared). */
  close(): Promise<void> {
    return this.feed.close();
  }
}
