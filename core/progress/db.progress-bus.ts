import type { ProgressEvent, ProgressUpdate } from '../domain/progress.js';
import { isFinal } from '../domain/session.js';
import type { Logger } from '../logger.js';
import type { EventLog } from './event-log.js';
import { parseProgressEvent, stampUpdate, type ProgressBus, type PublishOptions } from './progress-bus.js';

export interface DbProgressBusOptions {
  clock?: () => Date;
}

/**
 * The embedded progress engine: the latest event per session in `progress_latest` and every event in the
 * event log's progress stream, written in one transaction, so a restarted process, a reconnecting page or
 * a bot that was down still gets the final state. Unlike Redis nothing expires: a session's row goes when
 * the session is deleted (`forget`).
 */
export class DbProgressBus implements ProgressBus {
  private readonly clock: () => Date;

  constructor(
    private readonly log: EventLog,
    /** The event log stream the bots read (`progress-events`). */
    private readonly stream: string,
    private readonly logger: Logger,
    options: DbProgressBusOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  async publish(update: ProgressUpdate, options: PublishOptions = {}): Promise<ProgressEvent> {
    const { sessionId, ...rest } = stampUpdate(update, this.clock());
    const final = isFinal(rest.status);
    // The log's write lock serializes publishers, so reading the stored seq and writing the next is safe.
    return this.log.write(async (trx, append) => {
      const stored: { seq: number; final: boolean; event: string } | undefined = await trx('progress_latest')
        .where({ session_id: sessionId })
        .first('seq', 'final', 'event');
      if (stored?.final && !final && !options.reopens) {
        // A late update from a job that has not noticed the cancellation: the final state stands.
        const standing = parseProgressEvent(stored.event);
        if (standing) return standing;
      }
      const event: ProgressEvent = { sessionId, seq: (stored?.seq ?? 0) + 1, ...rest };
      const json = JSON.stringify(event);
      await trx('progress_latest')
        .insert({ session_id: sessionId, seq: event.seq, final, event: json, updated_at: trx.fn.now() })
        .onConflict('session_id')
        .merge();
      await append(this.stream, sessionId, json);
      return event;
    });
  }

  async latest(sessionId: string): Promise<ProgressEvent | null> {
    const row: { event: string } | undefined = await this.log.knex('progress_latest').where({ session_id: sessionId }).first('event');
    if (!row) return null;
    const event = parseProgressEvent(row.event);
    if (!event) this.logger.warn({ sessionId }, 'stored progress event is malformed; ignoring it');
    return event;
  }

  async forget(sessionId: string): Promise<void> {
    await this.log.knex('progress_latest').where({ session_id: sessionId }).delete();
  }

  async ping(): Promise<void> {
    await this.log.knex.raw('select 1');
  }

  /** The database belongs to the process; there is nothing of the bus's own to close. */
  async close(): Promise<void> {}
}
