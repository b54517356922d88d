import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { JobClaims } from '../../core/db/job-claims.repository.js';
import type { QueueName } from '../../core/domain/job.js';
import type { Logger } from '../../core/logger.js';

/** Renewals per lease, so one or two may fail (a slow database) without the claim running out. */
const RENEWALS_PER_LEASE = 3;

export interface HeldClaim {
  /** Aborted when another copy of the job took the claim over (this holder's renewals came too late). */
  lost: AbortSignal;
  /** Stops renewing and gives the claim up. Never throws: a claim left behind runs out by itself. */
  release(): Promise<void>;
}

/**
 * Claims a session's job on `queue` for one run of a handler and renews the claim until it is released;
 * null while someone else holds it. Each run is a holder of its own, so two copies of a job delivered to
 * the same process exclude each other too.
 */
export async function holdClaim(claims: JobClaims, sessionId: string, queue: QueueName, log: Logger): Promise<HeldClaim | null> {
  const holder = `${hostname()} pid ${process.pid} ${randomUUID()}`;
  if (!(await claims.take(sessionId, queue, holder))) return null;

  const lost = new AbortController();
  const renew = async () => {
    try {
      if (await claims.take(sessionId, queue, holder)) return;
      log.warn('another processor took over this job (its claim ran out before it was renewed); letting go');
      clearInterval(timer);
      lost.abort(new Error('another processor took over this job'));
    } catch (err) {
      log.warn({ err }, 'could not renew the claim on this job; trying again');
    }
  };
  let renewing: Promise<void> | null = null;
  const timer = setInterval(
    () => void (renewing ??= renew().finally(() => (renewing = null))),
    Math.max(1, Math.floor(claims.leaseMs / RENEWALS_PER_LEASE)),
  );
  timer.unref();

  return {
    lost: lost.signal,
    release: async () => {
      clearInterval(timer);
      // A renewal landing after the release would take the claim back for a whole lease.
      await renewing;
      await claims.release(sessionId, queue, holder).catch((err: unknown) => {
        log.warn({ err }, 'could not release the claim on this job; it runs out by itself');
      });
    },
  };
}
