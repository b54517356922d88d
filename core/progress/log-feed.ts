import type { Logger } from '../logger.js';
import type { EventLog, LogEntry } from './event-log.js';
import type { Unsubscribe } from './progress-bus.js';

type Listener = (payload: string) => void;

/** Entries read per query; a longer backlog is read in several. */
const BATCH = 500;

export interface LogFeedOptions {
  /** How often the log is read while anyone listens: the delay for events written by another process. */
  pollMs?: number;
}

/**
 * The embedded engine's subscriber: live entries of the event log for listeners in this process, by
 * stream and session. One query serves every listener, run every `pollMs` while anyone listens and at
 * once after this process writes, so local events arrive without waiting and another process's (the
 * CLI's `submit --wait` beside a running server) within a poll.
 */
export class LogFeed {
  /** stream → session → listeners (wrapped, so the same function subscribed twice is two listeners). */
  private readonly channels = new Map<string, Map<string, Set<{ listener: Listener }>>>();
  /** The last entry read; null while nobody listens. */
  private position: number | null = null;
  /** Settles once `position` is set; shared by every listener's `ready`. */
  private started: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private closed = false;
  private readonly stopWatching: () => void;
  private readonly pollMs: number;

  constructor(
    private readonly log: EventLog,
    private readonly logger: Logger,
    options: LogFeedOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 500;
    this.stopWatching = log.onAppend(() => this.poll());
  }

  /** Calls `listener` with the payload of every entry of the session appended to `stream` from `ready` on. */
  subscribe(stream: string, sessionId: string, listener: Listener): Unsubscribe {
    if (this.closed) throw new Error('progress feed is closed');
    let sessions = this.channels.get(stream);
    if (!sessions) this.channels.set(stream, (sessions = new Map<string, Set<{ listener: Listener }>>()));
    let listeners = sessions.get(sessionId);
    if (!listeners) sessions.set(sessionId, (listeners = new Set()));
    const entry = { listener };
    listeners.add(entry);
    const ready = this.start();

    const joined = listeners;
    let active = true;
    const stop = () => {
      if (!active) return;
      active = false;
      joined.delete(entry);
      if (joined.size > 0 || sessions.get(sessionId) !== joined) return;
      sessions.delete(sessionId);
      if (sessions.size === 0) this.channels.delete(stream);
      if (this.channels.size === 0) this.idle();
    };
    return Object.assign(stop, { ready });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    const starting = this.started;
    this.idle();
    this.stopWatching();
    // The caller may close the database next: no query of ours may still be running then.
    await Promise.allSettled([starting, this.polling]);
  }

  /** Reads the log's end (the position listeners start from) and starts polling, unless already done. */
  private start(): Promise<void> {
    if (this.started) return this.started;
    const started: Promise<void> = this.log.lastId().then((id) => {
      if (this.started === started) this.position = id;
    });
    // Logged here so a caller that never awaits `ready` leaves no unhandled rejection; the next poll retries.
    started.catch((err: unknown) => {
      this.logger.warn({ err }, 'progress feed could not start');
      if (this.started === started) this.started = null;
    });
    this.started = started;
    this.timer ??= setInterval(() => this.poll(), this.pollMs).unref();
    return started;
  }

  /** Nobody listens: stop polling, and start afresh from the log's end when someone does again. */
  private idle(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.started = null;
    this.position = null;
  }

  private poll(): void {
    if (this.channels.size === 0) return;
    if (this.position === null) {
      if (!this.started) void this.start().catch(() => undefined);
      return;
    }
    if (this.polling) {
      this.pollAgain = true; // a write landed while reading: read once more when done
      return;
    }
    this.polling = this.readAll().finally(() => (this.polling = null));
  }

  private async readAll(): Promise<void> {
    do {
      this.pollAgain = false;
      try {
        while ((await this.readBatch()) === BATCH);
      } catch (err) {
        this.logger.warn({ err }, 'progress feed could not read the event log');
      }
    } while (this.pollAgain && !this.closed);
  }

  /** Delivers the next entries; returns how many were read. */
  private async readBatch(): Promise<number> {
    const from = this.position;
    if (from === null || this.channels.size === 0) return 0;
    const entries = await this.log.read([...this.channels.keys()], from, BATCH);
    if (this.position !== from) return 0; // everyone left meanwhile: this read is stale
    if (entries.length > 0) this.position = entries.at(-1)!.id;
    for (const entry of entries) this.deliver(entry);
    return entries.length;
  }

  private deliver({ stream, sessionId, payload }: LogEntry): void {
    const listeners = this.channels.get(stream)?.get(sessionId);
    if (!listeners) return;
    for (const { listener } of [...listeners]) {
      try {
        listener(payload);
      } catch (err) {
        this.logger.error({ err, stream, sessionId }, 'progress listener failed');
      }
    }
  }
}
