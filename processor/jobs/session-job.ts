import type { JobClaims } from '../../core/db/job-claims.repository.js';
import type { SessionsRepository } from '../../core/db/sessions.repository.js';
import type { JobMessage, QueueName } from '../../core/domain/job.js';
import { isFinal, STAGES, type Session, type Stage } from '../../core/domain/session.js';
import { AppError, toAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ProgressFeed } from '../../core/progress/progress-bus.js';
import type { ProgressReporter } from '../../core/progress/progress-reporter.js';
import { DeferJob, type JobContext } from '../../core/queue/job-queue.js';
import { holdClaim } from './job-claim.js';

export interface SessionJobDeps {
  sessions: SessionsRepository;
  claims: JobClaims;
  progress: ProgressReporter;
  /** Live progress: a cancel announced there stops the work at once (see runClaimed). */
  feed: ProgressFeed;
  log: Logger;
}

/** The stage the step after each queue's work starts in: a session there has no use for that queue's job. */
const STAGE_AFTER: Record<QueueName, Stage> = { transcribe: 'todos', todos: 'done' };
/** The least a copy of a job waits for another's claim (one that was just released comes back at once). */
const MIN_DEFER_MS = 250;

/**
 * Lets the work say which stage it is in, so a failure is reported where it happened, and notice at each
 * boundary that the session was cancelled (or deleted) meanwhile.
 */
export interface StageMarker {
  /** Records the stage; when the session is no longer PROCESSING, aborts the work's signal and throws. */
  enter(stage: Stage): Promise<void>;
  /** Throws (and aborts) when the session is no longer PROCESSING: call before storing an output. */
  ensureActive(): Promise<void>;
}

export type SessionWork = (session: Session, stages: StageMarker, signal: AbortSignal) => Promise<void>;

/**
 * The frame every queue job runs in: skips sessions that are gone or already final (a redelivered or
 * duplicated message does nothing), lets one copy of a session's job on a queue run at a time (the claim),
 * counts attempts, stops quietly when the session is cancelled midway (the message is acked, not retried),
 * and on a failure that will not be retried marks the session FAILED with the error's code and sentence
 * before the queue dead-letters the message.
 */
export async function runSessionJob(deps: SessionJobDeps, queue: QueueName, job: JobMessage, ctx: JobContext, work: SessionWork): Promise<void> {
  const { sessions, claims, log } = deps;
  const session = await sessions.get(job.sessionId);
  if (!session) {
    log.info({ sessionId: job.sessionId }, 'session no longer exists; job dropped');
    return;
  }
  if (isFinal(session.status)) {
    log.info({ sessionId: session.id, status: session.status }, 'session already final; job dropped');
    return;
  }

  // The same job may be in the queue twice (a publish repeated after a lost confirm, a lease that ran out
  // while its holder was slow): only the copy holding the claim works on it.
  const claim = await holdClaim(claims, session.id, queue, log.child({ sessionId: session.id, queue }));
  if (!claim) return leaveToHolder(deps, queue, session.id);
  try {
    await runClaimed(deps, queue, session, ctx, claim.lost, work);
  } finally {
    await claim.release();
  }
}

/**
 * Another copy of this job holds the claim. This one is dropped when the session has moved past the
 * queue's work; otherwise it is deferred until the holder's claim could run out, so that it runs if the
 * holder died (nothing lost), or finds the work done, or defers again while the holder still works.
 */
async function leaveToHolder(deps: SessionJobDeps, queue: QueueName, sessionId: string): Promise<void> {
  const session = await deps.sessions.get(sessionId);
  if (!session || isFinal(session.status) || STAGES.indexOf(session.stage) >= STAGES.indexOf(STAGE_AFTER[queue])) {
    deps.log.info({ sessionId, queue, status: session?.status, stage: session?.stage }, 'another copy of this job did its work; copy dropped');
    return;
  }
  const delayMs = Math.max(MIN_DEFER_MS, (await deps.claims.remainingMs(sessionId, queue)) ?? 0);
  deps.log.info({ sessionId, queue, delayMs }, 'another copy of this job is being worked on; copy deferred');
  throw new DeferJob(delayMs, `another processor is working on the ${queue} job of session ${sessionId}`);
}

/** The work itself, while this copy holds the claim (`lost` aborts when another copy took it over). */
async function runClaimed(
  deps: SessionJobDeps,
  queue: QueueName,
  session: Session,
  ctx: JobContext,
  lost: AbortSignal,
  work: SessionWork,
): Promise<void> {
  const { sessions, progress, log } = deps;
  let stage: Stage = session.stage;
  const stopped = new AbortController();
  const cancelled = () => new AppError('CANCELLED', 'Processing of this recording was cancelled.');
  const stop = (): never => {
    const reason = cancelled();
    stopped.abort(reason);
    throw reason;
  };
  // A cancel stops the work when it is announced, not at the next stage boundary: a transcription on a
  // local engine can run for many minutes, and the engine stops within a second of its signal.
  const unsubscribe = deps.feed.subscribe(session.id, (event) => {
    if (event.status === 'CANCELLED') stopped.abort(cancelled());
  });
  const stages: StageMarker = {
    enter: async (next) => {
      stage = next;
      if (!(await sessions.transition(session.id, ['PROCESSING'], { stage: next, attempts: ctx.attempt }))) stop();
    },
    ensureActive: async () => {
      if ((await sessions.get(session.id))?.status !== 'PROCESSING') stop();
    },
  };

  if (ctx.attempt > 1) await progress.resume(session.id, ctx.attempt);
  try {
    await work(session, stages, AbortSignal.any([ctx.signal, stopped.signal, lost]));
  } catch (err) {
    if (ctx.signal.aborted) throw err; // shutting down: the message goes back to the queue untouched
    if (lost.aborted) return leaveToHolder(deps, queue, session.id);
    // Cancelled meanwhile, noticed or not: nothing to report or retry. (A database that cannot say is no answer.)
    const gone = stopped.signal.aborted || (await sessions.get(session.id).then((s) => s?.status !== 'PROCESSING', () => false));
    if (gone) {
      log.info({ sessionId: session.id, stage }, 'session no longer processing (cancelled or deleted); job stopped');
      return;
    }
    const error = toAppError(err);
    const final = !error.retryable || ctx.isLastAttempt;
    log[final ? 'error' : 'warn']({ err, sessionId: session.id, stage, attempt: ctx.attempt, final }, 'job failed');
    if (final) {
      await sessions.transition(session.id, ['PROCESSING'], { status: 'FAILED', errorCode: error.code, errorMessage: error.userMessage });
      await progress.fail(session.id, stage, error);
    } else {
      await progress.retrying(session.id, stage, `A temporary problem interrupted this step; retrying (attempt ${ctx.attempt + 1}).`);
    }
    throw error;
  } finally {
    unsubscribe();
    progress.release(session.id);
  }
}
