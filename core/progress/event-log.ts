import type { Knex } from '../db/knex.js';
import type { Logger } from '../logger.js';

/** One entry of the log as readers see it. */
export interface LogEntry {
  id: number;
  stream: string;
  sessionId: string;
  payload: string;
}

/** Adds an entry within a write; it becomes visible when the write's transaction commits. */
export type Append = (stream: string, sessionId: string, payload: string) => Promise<void>;

export interface EventLogOptions {
  /** Entries kept per stream, approximately (as XADD MAXLEN ~ keeps a Redis stream). */
  maxLength?: number;
}

/** Every write takes this lock first (transaction-scoped, so a crashed writer never holds it). */
const WRITE_LOCK = 'event_log';

/**
 * The embedded engine's stand-in for Redis streams: one table holds the entries of every stream. Writes
 * are serialized by an advisory lock, so ids commit in increasing order: a reader that has seen an id has
 * seen every entry before it, and needs to keep nothing but a position. Listeners in this process are
 * told after each write commits, so readers here need not wait for their next poll.
 */
export class EventLog {
  private readonly listeners = new Set<() => void>();
  private readonly appendsSinceTrim = new Map<string, number>();
  private readonly maxLength: number;
  /** Trimming every append would rescan `maxLength` entries each time; a tenth of slack is cheap. */
  private readonly trimEvery: number;

  constructor(
    readonly knex: Knex,
    private readonly log: Logger,
    options: EventLogOptions = {},
  ) {
    this.maxLength = options.maxLength ?? 10_000;
    this.trimEvery = Math.max(1, Math.floor(this.maxLength / 10));
  }

  /**
   * Runs `work` in a transaction that holds the write lock; what it appends is visible with everything
   * else it wrote, or not at all. `work` must use only `trx`: a pooled query awaited inside it can wait
   * forever for the connection the transaction holds (PGlite has just one).
   */
  async write<R>(work: (trx: Knex.Transaction, append: Append) => Promise<R>): Promise<R> {
    const appended: string[] = [];
    const result = await this.knex.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [WRITE_LOCK]);
      return work(trx, async (stream, sessionId, payload) => {
        await trx('event_log').insert({ stream, session_id: sessionId, payload });
        appended.push(stream);
      });
    });
    if (appended.length > 0) {
      for (const listener of [...this.listeners]) listener();
      for (const stream of appended) await this.countTowardsTrim(stream);
    }
    return result;
  }

  /** Calls `listener` after every write of this process that appended something. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Entries after `after` in the given streams, oldest first. */
  async read(streams: string[], after: number, limit: number): Promise<LogEntry[]> {
    const rows = await this.knex<{ id: string; stream: string; session_id: string; payload: string }>('event_log')
      .select('id', 'stream', 'session_id', 'payload')
      .whereIn('stream', streams)
      .andWhere('id', '>', after)
      .orderBy('id')
      .limit(limit);
    return rows.map((r) => ({ id: Number(r.id), stream: r.stream, sessionId: r.session_id, payload: r.payload }));
  }

  /** The newest entry's id (0 when the log is empty): readers start after it. */
  async lastId(): Promise<number> {
    const row = await this.knex('event_log').max('id as id').first();
    return Number(row?.id ?? 0);
  }

  private async countTowardsTrim(stream: string): Promise<void> {
    const count = (this.appendsSinceTrim.get(stream) ?? 0) + 1;
    this.appendsSinceTrim.set(stream, count);
    if (count < this.trimEvery) return;
    this.appendsSinceTrim.set(stream, 0);
    try {
      await this.knex.raw(
        `delete from event_log where stream = ? and id <= (
           select id from event_log where stream = ? order by id desc offset ? limit 1)`,
        [stream, stream, this.maxLength],
      );
    } catch (err) {
      // The write has committed; the next trim catches up.
      this.log.warn({ err, stream }, 'event log not trimmed');
    }
  }
}
