import type { Knex } from 'knex';
import type { QueueName } from '../domain/job.js';

/**
 * Renewed several times per lease while held, so a holder keeps its claim through a slow database or a stall;
 * short, because the job of a processor that died waits this long before another copy may run it.
 */
export const DEFAULT_CLAIM_LEASE_MS = 10_000;

/** PostgreSQL's error code for a row referring to one that does not exist (here: a deleted session). */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Leases on a session's job per queue (migrations/20261126030000_job_claims.ts): at most one holder works
 * on it at a time. Each operation is one statement, so it is atomic without a transaction (the embedded
 * database multiplexes one backend, where a transaction must not wait on another query), and times come
 * from the database's clock so processes on different machines agree.
 */
export class JobClaims {
  constructor(
    private readonly knex: Knex,
    /** How long a claim lasts between renewals; once past, another copy of the job may take it over. */
    readonly leaseMs = DEFAULT_CLAIM_LEASE_MS,
  ) {}

  /**
   * Takes the claim for `holder`, or renews it: true when it is free, expired or already `holder`'s; false
   * while someone else holds it, or once the session is deleted (its claims go with it). The same statement
   * renews, so a holder whose lease ran out unnoticed gets it back unless another took it meanwhile.
   */
  async take(sessionId: string, queue: QueueName, holder: string): Promise<boolean> {
    try {
      const { rows } = await this.knex.raw<{ rows: unknown[] }>(
        `INSERT INTO job_claims AS c (session_id, queue, holder, expires_at)
         VALUES (?, ?, ?, now() + ?::int * interval '1 millisecond')
         ON CONFLICT (session_id, queue) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE c.expires_at <= now() OR c.holder = excluded.holder
         RETURNING holder`,
        [sessionId, queue, holder, this.leaseMs],
      );
      return rows.length === 1;
    } catch (err) {
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return false;
      throw err;
    }
  }

  /** Milliseconds until the current claim expires (0 when it has), or null when nobody holds it. */
  async remainingMs(sessionId: string, queue: QueueName): Promise<number | null> {
    const { rows } = await this.knex.raw<{ rows: Array<{ ms: number }> }>(
      `SELECT greatest(0, ceil(extract(epoch FROM expires_at - now()) * 1000))::int AS ms
         FROM job_claims WHERE session_id = ? AND queue = ?`,
      [sessionId, queue],
    );
    return rows[0]?.ms ?? null;
  }

  /** Gives the claim up, if `holder` still has it. */
  async release(sessionId: string, queue: QueueName, holder: string): Promise<void> {
    await this.knex('job_claims').where({ session_id: sessionId, queue, holder }).delete();
  }
}
