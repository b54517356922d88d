import { AppError, toAppError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { DeferJob, type JobContext } from './job-queue.js';
import type { DeadReason as ConsumerDeadReason } from './topology.js';

/**
 * Why a job was dead-lettered, on every engine. `delivery-limit`: the processors holding it kept dying
 * (RabbitMQ's delivery limit, the job table's lost leases), a crash loop rather than a failure the handler saw.
 */
export type DeadReason = ConsumerDeadReason | 'delivery-limit';

/** Detail stored on a dead letter: enough for an operator, bounded so it stays small. */
export const MAX_DETAIL_CHARS = 1_000;

export interface DeadLetter {
  reason: DeadReason;
  attempt: number;
  code?: ErrorCode;
  detail: string;
}

/** What a consumer does with a job whose handler threw (the rules documented on JobHandler). */
export type FailureOutcome =
  /** Interrupted by a stop or a lost delivery, not failed: back to the queue without using an attempt. */
  | { action: 'requeue' }
  /** The handler threw DeferJob: back to the queue after `delayMs`, on the same attempt. */
  | { action: 'defer'; delayMs: number }
  | { action: 'retry'; nextAttempt: number; delayMs: number }
  | { action: 'dead'; letter: DeadLetter };

export const describeError = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The delay before the retry after attempt `failedAttempt`; attempts beyond the list reuse the last delay. */
export function retryDelayFor(retryDelaysMs: readonly number[], failedAttempt: number): number {
  return retryDelaysMs[Math.min(failedAttempt, retryDelaysMs.length) - 1]!;
}

export function failureOutcome(err: unknown, ctx: JobContext, retryDelaysMs: readonly number[]): FailureOutcome {
  if (ctx.signal.aborted) return { action: 'requeue' };
  if (err instanceof DeferJob) return { action: 'defer', delayMs: err.delayMs };
  const error = toAppError(err);
  const letter = { attempt: ctx.attempt, code: error.code, detail: describeError(err).slice(0, MAX_DETAIL_CHARS) };
  if (!error.retryable) return { action: 'dead', letter: { ...letter, reason: 'not-retryable' } };
  if (ctx.isLastAttempt) return { action: 'dead', letter: { ...letter, reason: 'attempts-exhausted' } };
  return { action: 'retry', nextAttempt: ctx.attempt + 1, delayMs: retryDelayFor(retryDelaysMs, ctx.attempt) };
}

/** One log line per failed job, the same on every engine; `where` adds engine detail (e.g. the retry queue). */
export function logFailure(log: Logger, err: unknown, outcome: FailureOutcome, where: Record<string, unknown> = {}): void {
  switch (outcome.action) {
    case 'requeue':
      return log.info({ err, ...where }, 'job interrupted; requeued');
    case 'defer':
      return log.debug({ ...where, delayMs: outcome.delayMs, reason: describeError(err) }, 'job deferred');
    case 'retry':
      return log.warn({ err, ...where, delayMs: outcome.delayMs }, 'job failed; retrying after a delay');
    case 'dead':
      return log.error(
        { err, ...where },
        outcome.letter.reason === 'not-retryable' ? 'job failed permanently; dead-lettered' : 'job failed on its last attempt; dead-lettered',
      );
  }
}

/** What publish, depth and ping throw when the queue's store cannot be reached. */
export function queueUnavailable(cause: unknown): AppError {
  return new AppError(
    'QUEUE_UNAVAILABLE',
    'The job queue cannot be reached right now, so this recording could not be queued. Please try again in a few minutes.',
    true,
    { cause },
  );
}
