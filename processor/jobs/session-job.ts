import type { SessionsRepository } from '../../core/db/sessions.repository.js';
import type { JobMessage } from '../../core/domain/job.js';
import { isFinal, type Session, type Stage } from '../../core/domain/session.js';
import { toAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ProgressReporter } from '../../core/progress/progress-reporter.js';
import type { JobContext } from '../../core/queue/job-queue.js';

export interface SessionJobDeps {
  sessions: SessionsRepository;
  progress: ProgressReporter;
  log: Logger;
}

/** Lets the work say which stage it is in, so a failure is reported where it happened. */
export interface StageMarker {
  enter(stage: Stage): Promise<void>;
}

/**
 * The frame every queue job runs in: skips sessions that are gone or already final (a redelivered or
 * duplicated message does nothing), counts attempts, and on a failure that will not be retried marks the
 * session FAILED with the error's code and sentence before the queue dead-letters the message.
 */
export async function runSessionJob(
  deps: SessionJobDeps,
  job: JobMessage,
  ctx: JobContext,
  work: (session: Session, stages: StageMarker) => Promise<void>,
): Promise<void> {
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
  const stages: StageMarker = {
    enter: async (next) => {
      stage = next;
      await sessions.update(session.id, { stage: next, attempts: ctx.attempt });
    },
  };

  try {
    await work(session, stages);
  } catch (err) {
    if (ctx.signal.aborted) throw err; // shutting down: the message goes back to the queue untouched
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
