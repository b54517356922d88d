import type { SessionsRepository } from '../db/sessions.repository.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ProgressReporter } from '../progress/progress-reporter.js';

export interface StaleUploadDeps {
  sessions: SessionsRepository;
  progress: ProgressReporter;
  log: Logger;
}

const INTERRUPTED = new AppError(
  'UPLOAD_INTERRUPTED',
  'The upload of this recording was interrupted and never finished. Please share the recording again.',
);

/**
 * Marks FAILED every session still UPLOADING since before `olderThan`: the bot or CLI that was storing it
 * died, and nothing else would ever move it on. Returns the ids it failed.
 */
export async function failStaleUploads(deps: StaleUploadDeps, olderThan: Date): Promise<string[]> {
  const { sessions, progress, log } = deps;
  const failed: string[] = [];
  for (const stale of await sessions.listStale('UPLOADING', olderThan)) {
    // Guarded by status: an upload that finished a moment ago keeps its PROCESSING.
    const row = await sessions.transition(stale.id, ['UPLOADING'], {
      status: 'FAILED',
      errorCode: INTERRUPTED.code,
      errorMessage: INTERRUPTED.userMessage,
    });
    if (!row) continue;
    log.warn({ sessionId: row.id, since: stale.updatedAt }, 'upload abandoned; session failed');
    await progress.fail(row.id, 'upload', INTERRUPTED);
    failed.push(row.id);
  }
  return failed;
}

export interface StaleUploadReaper {
  stop(): Promise<void>;
}

/**
 * Runs failStaleUploads periodically. Every processor runs it: it is one indexed query, and the status
 * guard makes runs in several processes harmless.
 */
export function startStaleUploadReaper(
  deps: StaleUploadDeps,
  timeoutMs: number,
  intervalMs = Math.min(60_000, Math.max(1_000, Math.floor(timeoutMs / 4))),
): StaleUploadReaper {
  let running: Promise<void> | null = null;
  const check = () => {
    if (running) return; // a slow database: the next tick catches up
    running = failStaleUploads(deps, new Date(Date.now() - timeoutMs))
      .then(() => undefined, (err: unknown) => deps.log.warn({ err }, 'could not check for abandoned uploads'))
      .finally(() => (running = null));
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
