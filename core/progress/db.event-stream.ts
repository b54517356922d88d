import os from 'node:os';
import type { Logger } from '../logger.js';
import type { EventLog } from './event-log.js';
import { handleTaken, type EventStream } from './event-stream.js';

export interface DbEventStreamOptions<T> {
  stream: string;
  group: string;
  /** Unique per process; a restarted process with the same name picks up its own pending entries first. */
  consumer?: string;
  parse: (raw: string) => T | null;
  /** Entries another consumer took but has not acknowledged for this long are taken over (it died). */
  claimIdleMs?: number;
  /** How often the log is read when idle: the delay for entries written by another process. */
  pollMs?: number;
  batch?: number;
}

/** An entry as the queries return it (pg hands bigint ids over as strings). */
interface Entry {
  id: string;
  payload: string;
}

/**
 * Reads a stream of the event log in a consumer group, as RedisStreamConsumer reads a Redis stream: the
 * group's position (`event_log_groups.last_id`) says what has been handed out, and each entry handed out is
 * pending (`event_log_pending`) until its handler has finished. Entries appended while no reader ran, or
 * while the process was down, are delivered when it starts again.
 */
export class DbEventStream<T> implements EventStream<T> {
  private readonly consumer: string;
  private readonly claimIdleMs: number;
  private readonly pollMs: number;
  private readonly batch: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly nap = new Nap();
  private lastAbandonedCheck = 0;
  private stopWatching: (() => void) | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly options: DbEventStreamOptions<T>,
    private readonly logger: Logger,
  ) {
    this.consumer = options.consumer ?? `${os.hostname()}-${process.pid}`;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.pollMs = options.pollMs ?? 500;
    this.batch = options.batch ?? 50;
  }

  start(handler: (event: T) => Promise<void>): void {
    if (this.running) return;
    this.running = true;
    // A write in this process wakes the reader at once; other processes' writes wait for the poll.
    this.stopWatching = this.log.onAppend(() => this.nap.wake());
    this.loop = this.run(handler);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopWatching?.();
    this.nap.wake();
    await this.loop;
  }

  private async run(handler: (event: T) => Promise<void>): Promise<void> {
    while (this.running) {
      try {
        await this.createGroup();
        await this.handleAll(await this.reclaimOwn(), handler); // our own pending entries, from before a restart
        while (this.running) {
          await this.handleAll(await this.claimAbandoned(), handler);
          const entries = await this.claimNext();
          await this.handleAll(entries, handler);
          if (entries.length < this.batch) await this.nap.take(this.pollMs);
        }
      } catch (err) {
        if (!this.running) return;
        this.logger.warn({ err, stream: this.options.stream }, 'stream consumer failed; retrying');
        await this.nap.take(1000);
      }
    }
  }

  /** A new group starts at the stream's end, as XGROUP CREATE … $ does. */
  private async createGroup(): Promise<void> {
    const { stream, group } = this.options;
    await this.log.knex.raw(
      `insert into event_log_groups (stream, group_name, last_id)
       select ?, ?, coalesce(max(id), 0) from event_log where stream = ?
       on conflict do nothing`,
      [stream, group, stream],
    );
  }

  /**
   * Hands out the entries after the group's position: in one statement, they are marked pending for this
   * consumer and the position moves past them. The group's row lock makes two readers take turns; appends
   * commit in id order (EventLog), so nothing below the new position can still appear.
   */
  private async claimNext(): Promise<Entry[]> {
    const { stream, group } = this.options;
    const { rows } = await this.log.knex.raw<{ rows: Entry[] }>(
      `with grp as (
         select last_id from event_log_groups where stream = :stream and group_name = :group for update
       ), batch as (
         select e.id, e.payload from event_log e, grp
         where e.stream = :stream and e.id > grp.last_id order by e.id limit :limit
       ), pending as (
         insert into event_log_pending (event_id, group_name, consumer, claimed_at)
         select id, :group, :consumer, now() from batch
       ), moved as (
         update event_log_groups set last_id = (select max(id) from batch)
         where stream = :stream and group_name = :group and exists (select 1 from batch)
       )
       select id, payload from batch order by id`,
      { stream, group, consumer: this.consumer, limit: this.batch },
    );
    return rows;
  }

  /** Entries this consumer took before it stopped or crashed, without waiting for them to go idle. */
  private reclaimOwn(): Promise<Entry[]> {
    return this.claimPending('p.consumer = :consumer');
  }

  /** Entries pending too long, whoever took them (a consumer that died, or a handler that failed). */
  private async claimAbandoned(): Promise<Entry[]> {
    const now = Date.now();
    // Checked twice per idle period: often enough to bound the wait, rarely enough to cost nothing.
    if (now - this.lastAbandonedCheck < this.claimIdleMs / 2) return [];
    this.lastAbandonedCheck = now;
    return this.claimPending(`p.claimed_at < now() - :idleMs * interval '1 millisecond'`);
  }

  private async claimPending(condition: string): Promise<Entry[]> {
    const { rows } = await this.log.knex.raw<{ rows: Entry[] }>(
      `update event_log_pending p set consumer = :consumer, claimed_at = now()
       from event_log e
       where e.id = p.event_id and e.stream = :stream and p.group_name = :group and ${condition}
       returning e.id, e.payload`,
      { stream: this.options.stream, group: this.options.group, consumer: this.consumer, idleMs: this.claimIdleMs },
    );
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  private async handleAll(entries: Entry[], handler: (event: T) => Promise<void>): Promise<void> {
    const { stream, group, parse } = this.options;
    const taken = entries.map(({ id, payload }) => ({ id, event: parse(payload) }));
    const ack = (id: string) => this.log.knex('event_log_pending').where({ event_id: id, group_name: group }).delete();
    await handleTaken(taken, handler, { name: stream, ack, log: this.logger });
  }
}

/** A wait that ends early when woken; a wake while awake makes the next wait return at once. */
class Nap {
  private woken = false;
  private end: (() => void) | null = null;

  take(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish(), ms);
      this.end = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  wake(): void {
    if (this.end) this.finish();
    else this.woken = true;
  }

  private finish(): void {
    const end = this.end;
    this.end = null;
    end?.();
  }
}
