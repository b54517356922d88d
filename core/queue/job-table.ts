import type { Knex } from 'knex';
import type { DeadLetter } from './failures.js';

/** The table of migrations/20261126000000_job_table.ts. */
export const JOB_TABLE = 'queue_jobs';

export interface ClaimedJob {
  /** bigint, as the driver returns it. */
  id: string;
  /** As stored: whatever a producer wrote, not yet validated. */
  payload: unknown;
  attempt: number;
  /** Claims of this job whose lease ran out before it was settled (its processor died). */
  lostLeases: number;
}

/** The row is still leased to the consumer settling it (bindings: id, owner). */
const HELD = `id = ? AND status = 'running' AND lease_owner = ?`;
const UNLEASED = `lease_owner = NULL, lease_expires_at = NULL, updated_at = now()`;

interface ClaimedRow {
  id: string;
  payload: unknown;
  attempt: number;
  lost_leases: number;
}

/**
 * The SQL of the job table, one statement per operation (no transactions: each statement is atomic on its
 * own). Times come from the database's clock so processes on different machines agree. Every settle is
 * conditional on the lease: a consumer that lost a job to an expired lease cannot settle it any more.
 */
export class JobTable {
  constructor(private readonly knex: Knex) {}

  async insert(queue: string, payload: string): Promise<void> {
    await this.knex.raw(`INSERT INTO ?? (queue, payload) VALUES (?, ?::jsonb)`, [JOB_TABLE, queue, payload]);
  }

  /**
   * Leases up to `limit` claimable jobs to `owner`, oldest due first: ready ones whose time has come, and
   * running ones whose lease ran out. SKIP LOCKED lets concurrent claimers pass over each other's rows.
   */
  async claim(queue: string, owner: string, limit: number, leaseMs: number): Promise<ClaimedJob[]> {
    const { rows } = await this.knex.raw<{ rows: ClaimedRow[] }>(
      `UPDATE ?? SET status = 'running', lease_owner = ?, lease_expires_at = now() + ?::int * interval '1 millisecond',
              lost_leases = lost_leases + (status = 'running')::int, updated_at = now()
        WHERE id IN (SELECT id FROM ??
                      WHERE queue = ?
                        AND ((status = 'ready' AND run_at <= now()) OR (status = 'running' AND lease_expires_at <= now()))
                      ORDER BY run_at, id
                      LIMIT ?
                      FOR UPDATE SKIP LOCKED)
        RETURNING id, payload, attempt, lost_leases`,
      [JOB_TABLE, owner, leaseMs, JOB_TABLE, queue, limit],
    );
    return rows
      .map((r) => ({ id: String(r.id), payload: r.payload, attempt: r.attempt, lostLeases: r.lost_leases }))
      .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  }

  /** Extends the leases `owner` still holds among `ids`; returns those it still holds. */
  async renew(ids: string[], owner: string, leaseMs: number): Promise<Set<string>> {
    const { rows } = await this.knex.raw<{ rows: Array<{ id: string }> }>(
      `UPDATE ?? SET lease_expires_at = now() + ?::int * interval '1 millisecond', updated_at = now()
        WHERE id = ANY(?::bigint[]) AND status = 'running' AND lease_owner = ?
        RETURNING id`,
      // As one array literal: knex would spread a JS array into a list of parameters.
      [JOB_TABLE, leaseMs, `{${ids.join(',')}}`, owner],
    );
    return new Set(rows.map((r) => String(r.id)));
  }

  /** Done: the row goes. False when the lease was no longer `owner`'s. */
  async ack(id: string, owner: string): Promise<boolean> {
    return this.settle(`DELETE FROM ?? WHERE ${HELD} RETURNING id`, [JOB_TABLE, id, owner]);
  }

  /** Ready again after `delayMs` as attempt `attempt`. */
  async retry(id: string, owner: string, attempt: number, delayMs: number): Promise<boolean> {
    return this.settle(
      `UPDATE ?? SET status = 'ready', attempt = ?, run_at = now() + ?::int * interval '1 millisecond', ${UNLEASED}
        WHERE ${HELD} RETURNING id`,
      [JOB_TABLE, attempt, delayMs, id, owner],
    );
  }

  /** Ready again at once, on the same attempt (the consumer stopped, or never started the handler). */
  async release(id: string, owner: string): Promise<boolean> {
    return this.settle(`UPDATE ?? SET status = 'ready', run_at = now(), ${UNLEASED} WHERE ${HELD} RETURNING id`, [
      JOB_TABLE,
      id,
      owner,
    ]);
  }

  async bury(id: string, owner: string, letter: DeadLetter): Promise<boolean> {
    return this.settle(
      `UPDATE ?? SET status = 'dead', attempt = ?, dead_reason = ?, error_code = ?, error_detail = ?, ${UNLEASED}
        WHERE ${HELD} RETURNING id`,
      [JOB_TABLE, letter.attempt, letter.reason, letter.code ?? null, letter.detail, id, owner],
    );
  }

  /** Jobs ready to run now, as RabbitMQ counts a queue's ready messages (delayed retries are elsewhere there). */
  async readyCount(queue: string): Promise<number> {
    const { rows } = await this.knex.raw<{ rows: Array<{ n: number }> }>(
      `SELECT count(*)::int AS n FROM ?? WHERE queue = ? AND status = 'ready' AND run_at <= now()`,
      [JOB_TABLE, queue],
    );
    return rows[0]!.n;
  }

  async ping(): Promise<void> {
    await this.knex.raw(`SELECT 1 FROM ?? LIMIT 1`, [JOB_TABLE]);
  }

  private async settle(sql: string, bindings: Knex.RawBinding[]): Promise<boolean> {
    const { rows } = await this.knex.raw<{ rows: unknown[] }>(sql, bindings);
    return rows.length === 1;
  }
}
