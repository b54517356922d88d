import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { QuestionsRepository } from '../db/questions.repository.js';
import type { SessionsRepository } from '../db/sessions.repository.js';
import { DOES_NOT_SAY, QUESTION_MAX, type Question } from '../domain/question.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import { storedTranscriptSchema } from '../domain/transcript.js';
import { noTranscript } from './no-transcript.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { MeetingAnswerer } from '../../processor/engines/meeting-answerer.js';

export interface QuestionsServiceDeps {
  sessions: SessionsRepository;
  questions: QuestionsRepository;
  store: ObjectStore;
  layout: StorageLayout;
  answerer: MeetingAnswerer;
  log: Logger;
}

/** PostgreSQL's SQLSTATE for a row whose referenced row is gone. */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Questions about a meeting (docs/architecture.md#questions), for the page, the chat bots and the CLI alike:
 * answered from its stored transcript by the configured LLM, in the process that is asked, and kept with
 * the session. Only moments the transcript has are cited.
 */
export class QuestionsService {
  constructor(private readonly deps: QuestionsServiceDeps) {}

  /**
   * The answer to `question` about the session, saved with it. `by` is who asked, as the surface names
   * people; null for a holder of the page link. A refusal (QUESTION_INVALID, SESSION_NOT_FOUND,
   * TRANSCRIPT_NOT_READY) saves nothing.
   */
  async ask(sessionId: string, question: string, by: string | null, signal?: AbortSignal): Promise<Question> {
    const { sessions, questions, store, layout, answerer, log } = this.deps;
    const asked = question.replace(/\s+/g, ' ').trim();
    if (!asked) throw new AppError('QUESTION_INVALID', 'The question is empty: ask something about the meeting.');
    if (asked.length > QUESTION_MAX) throw new AppError('QUESTION_INVALID', `The question is too long: at most ${QUESTION_MAX} characters.`);
    const session = z.uuid().safeParse(sessionId).success ? await sessions.get(sessionId) : null;
    if (!session) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.');
    const raw = await store.getJson(layout.transcript(sessionId));
    if (raw === null) throw new AppError('TRANSCRIPT_NOT_READY', noTranscript(session.status, { later: 'Ask again', nothingTo: 'answer from' }));
    const transcript = storedTranscriptSchema.parse(raw);

    const answer = await answerer.answer({ transcript, question: asked, signal });
    const startOf = new Map(transcript.segments.map((s) => [s.id, s.start]));
    const saved = await questions
      .add({
        id: randomUUID(),
        sessionId,
        question: asked,
        answer: answer.answered ? answer.text : DOES_NOT_SAY,
        // The answerer cites only existing lines; checked again here, since what is stored is shown as links.
        citations: answer.segments.filter((id) => startOf.has(id)).map((segment) => ({ segment, start: startOf.get(segment)! })),
        askedBy: by,
      })
      .catch((err: unknown) => {
        // Deleted while the LLM answered: the answer goes with it.
        if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.', false, { cause: err });
        throw err;
      });
    log.info({ sessionId, answered: answer.answered, citations: saved.citations.length }, 'question answered');
    return saved;
  }

  /** The session's questions and answers, oldest first. */
  list(sessionId: string): Promise<Question[]> {
    return this.deps.questions.forSession(sessionId);
  }
}
