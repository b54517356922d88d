import type { SessionsRepository } from '../db/sessions.repository.js';
import type { Session } from '../domain/session.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ProgressReporter } from '../progress/progress-reporter.js';
import type { ObjectStore } from '../storage/object-store.js';
import { uploaderIsGone } from './uploader.js';

export interface StaleUploadDeps {
  sessions: SessionsRepository;
  progress: ProgressReporter;
  log: Logger;
}

export interface InterruptedUploadDeps extends StaleUploadDeps {
  store: ObjectStore;
  layout: StorageLayout;
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
  return failUploads(deps, await deps.sessions.listStale('UPLOADING', olderThan), 'upload abandoned; session failed');
}

/**
 * Marks FAILED, at once, every upload whose process is known to be gone (it crashed mid-upload on this
 * host: see uploaderIsGone), rather than an upload timeout later. Returns the ids it failed.
 */
export async function failOrphanedUploads(deps: StaleUploadDeps): Promise<string[]> {
  const uploading = await deps.sessions.listStale('UPLOADING', new Date());
  const orphaned = uploading.filter((s) => s.uploader !== null && uploaderIsGone(s.uploader));
  return failUploads(deps, orphaned, 'uploading process is gone; session failed');
}

/**
 * What a process does when it starts: fails the uploads of processes that crashed, then removes the
 * temporary files such uploads left in the store (those idle since before `startedAt` that no upload
 * still running owns).
 */
export async function recoverInterruptedUploads(deps: InterruptedUploadDeps, startedAt: Date): Promise<void> {
  const { sessions, store, layout, log } = deps;
  await failOrphanedUploads(deps);
  if (!store.removeAbandonedWrites) return;
  const live = (await sessions.listStale('UPLOADING', new Date())).flatMap((s) => layout.prefixes(s.id));
  const removed = await store.removeAbandonedWrites(startedAt, (ref) => live.some((p) => p.bucket === ref.bucket && ref.key.startsWith(p.key)));
  if (removed > 0) log.info({ removed }, 'removed temporary files of interrupted writes');
}

/** Fails each of `candidates` still UPLOADING (guarded by status: one that finished meanwhile keeps its PROCESSING). */
async function failUploads(deps: StaleUploadDeps, candidates: Session[], why: string): Promise<string[]> {
  const { sessions, progress, log } = deps;
  const failed: string[] = [];
  for (const stale of candidates) {
    const row = await sessions.transition(stale.id, ['UPLOADING'], {
      status: 'FAILED',
      errorCode: INTERRUPTED.code,
      errorMessage: INTERRUPTED.userMessage,
    });
    if (!row) continue;
    log.warn({ sessionId: row.id, since: stale.updatedAt, uploader: stale.uploader }, why);
    await progress.fail(row.id, 'upload', INTERRUPTED);
    failed.push(row.id);
  }
  return failed;
}

export interface StaleUploadReaper {
  stop(): Promise<void>;
}

/**
 * Runs failStaleUploads and failOrphanedUploads periodically. Every processor runs it: it is one indexed query, and the status
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
    running = Promise.all([failStaleUploads(deps, new Date(Date.now() - timeoutMs)), failOrphanedUploads(deps)])
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
