import { z } from 'zod';
import type { SessionsRepository } from '../db/sessions.repository.js';
import { NOTES_INSTRUCTION_MAX } from '../domain/job.js';
import type { Session } from '../domain/session.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ProgressReporter } from '../progress/progress-reporter.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { ObjectStore } from '../storage/object-store.js';
import { TooManyActiveError } from './too-many-active.js';

/** What a person asks of a regeneration; both optional (null or blank: as configured). */
export interface NotesRequest {
  /** "focus on engineering tasks", "in German": told to the LLM as the person's request. */
  instruction?: string | null;
  /** An LLM model name to use instead of the configured one. */
  model?: string | null;
}

export interface NotesServiceDeps {
  sessions: SessionsRepository;
  queue: JobQueue;
  store: ObjectStore;
  layout: StorageLayout;
  progress: ProgressReporter;
  log: Logger;
  /** A regeneration counts against the owner's limit (MAX_ACTIVE_SESSIONS_PER_USER), as a start does. */
  maxActivePerUser: number;
}

/** What a regenerating session says while its job waits, and while it runs (processor/jobs/todos.job.ts). */
export const REWRITING_MESSAGE = 'Rewriting the summary and todos';

const blankToNull = (text: string | null | undefined) => (text?.trim() ? text.trim() : null);

/**
 * Regenerating a meeting's notes from its stored transcript (docs/architecture.md#regenerating-the-notes), for
 * the page, the chat bots and the CLI alike. The processor writes the new version; earlier ones stay readable.
 */
export class NotesService {
  constructor(private readonly deps: NotesServiceDeps) {}

  /**
   * Sends a COMPLETED session back to the `todos` queue to write version N+1 of its notes with the person's
   * instruction and model. The session shows PROCESSING at stage `todos` until the new version is stored.
   * `by` is who asked, as the surface names people; null for a holder of the page link. Two requests at once
   * start one job: only one moves the row out of COMPLETED. Throws TooManyActiveError, changing nothing, when
   * the session's owner (whoever asks: it is the owner's share of the queue) is at their limit of active sessions.
   */
  async regenerate(id: string, request: NotesRequest, by: string | null): Promise<Session> {
    const { sessions, queue, store, layout, progress, log, maxActivePerUser } = this.deps;
    const instruction = blankToNull(request.instruction);
    const model = blankToNull(request.model);
    if (instruction !== null && instruction.length > NOTES_INSTRUCTION_MAX) {
      throw new AppError('INSTRUCTION_TOO_LONG', `The instruction is too long: at most ${NOTES_INSTRUCTION_MAX} characters.`);
    }
    const session = z.uuid().safeParse(id).success ? await sessions.get(id) : null;
    if (!session) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.');
    if (session.status !== 'COMPLETED') throw notCompleted(session);
    if (!(await store.exists(layout.transcript(id)))) {
      throw new AppError('TRANSCRIPT_NOT_READY', 'This meeting has no stored transcript to write the notes from again.');
    }
    const moved = await sessions.transitionWithinLimit(id, ['COMPLETED'], { status: 'PROCESSING', stage: 'todos', attempts: 0 }, session.userId, maxActivePerUser);
    if (!moved) throw notCompleted((await sessions.get(id)) ?? session);
    if (!moved.session) throw new TooManyActiveError(moved.active, null, 'sharers');
    const reopened = moved.session;
    // Reopened before the job is queued: the job's first events would be dropped behind the final state.
    await progress.reopen(id, 'todos', `${REWRITING_MESSAGE}: waiting for a processor`);
    try {
      await queue.publish('todos', { v: 1, sessionId: id, options: session.options, notes: { instruction, model, by, version: session.notesVersion + 1 } });
    } catch (err) {
      // Nothing will run it: the notes it has stay the current ones.
      await sessions.transition(id, ['PROCESSING'], { status: 'COMPLETED', stage: 'done', percent: 100 });
      await progress.report(id, 'COMPLETED', 'done', 1, 'Done');
      throw toAppError(err);
    }
    log.info({ sessionId: id, version: session.notesVersion + 1, instruction: instruction !== null, model }, 'notes regeneration queued');
    return reopened;
  }
}

function notCompleted(session: Session): AppError {
  const state = session.status === 'PROCESSING' ? 'still being processed' : session.status.toLowerCase();
  return new AppError('NOT_COMPLETED', `Only a finished meeting’s notes can be written again; this one is ${state}.`);
}
