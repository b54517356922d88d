import type { SessionsRepository } from '../../core/db/sessions.repository.js';
import type { JobMessage } from '../../core/domain/job.js';
import { isFinal, type Session, type Stage } from '../../core/domain/session.js';
import { AppError, toAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ProgressReporter } from '../../core/progress/progress-reporter.js';
import type { JobContext } from '../../core/queue/job-queue.js';

export interface SessionJobDeps {
  sessions: SessionsRepository;
  progress: ProgressReporter;
  log: Logger;
}

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
 * duplicated message does nothing), counts attempts, stops quietly when the session is cancelled midway
 * (the message is acked, not retried), and on a failure that will not be retried marks the session FAILED
 * with the error's code and sentence before the queue dead-letters the message.
 */
export async function runSessionJob(deps: SessionJobDeps, job: JobMessage, ctx: JobContext, work: SessionWork): Promise<void> {
  const { sessions, progress, log } = deps;
  const session = await sessions.get(job.sessionId);
  if (!session) {
    log.info({ sessionId: job.sessionId }, 'session no longer exists; job dropped');
    return;
  }
  if (isFinal(session.status)) {
    log.info({ sessionId: session.id, status: session.status }, 'session already final; job dropped');
    return;
  }

  let stage: Stage = session.stage;
  const stopped = new AbortController();
  const stop = (): never => {
    const reason = new AppError('CANCELLED', 'Processing of this recording was cancelled.');
    stopped.abort(reason);
    throw reason;
  };
  const stages: StageMarker = {
    enter: async (next) => {
      stage = next;
      if (!(await sessions.transition(session.id, ['PROCESSING'], { stage: next, attempts: ctx.attempt }))) stop();
    },
    ensureActive: async () => {
      if ((await sessions.get(session.id))?.status !== 'PROCESSING') stop();
    },
  };

  try {
    await work(session, stages, AbortSignal.any([ctx.signal, stopped.signal]));
  } catch (err) {
    if (ctx.signal.aborted) throw err; // shutting down: the message goes back to the queue untouched
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
      await progress.report(session.id, 'PROCESSING', stage, 0, `A temporary problem interrupted this step; retrying (attempt ${ctx.attempt + 1}).`);
    }
    throw error;
  }
}
