import type { Knex } from 'knex';
import type { Citation, Question } from '../domain/question.js';

interface QuestionRow {
  id: string;
  session_id: string;
  question: string;
  answer: string;
  citations: Citation[];
  asked_by: string | null;
  asked_at: Date;
}

/** Questions asked about sessions and their answers (table questions, docs/architecture.md#database-tables). */
export class QuestionsRepository {
  constructor(private readonly knex: Knex) {}

  /** The session's questions, oldest first. */
  async forSession(sessionId: string): Promise<Question[]> {
    const rows = await this.knex<QuestionRow>('questions').where({ session_id: sessionId }).orderBy([{ column: 'asked_at' }, { column: 'id' }]);
    return rows.map(toQuestion);
  }

  async add(q: Omit<Question, 'askedAt'>): Promise<Question> {
    const [row] = await this.knex<QuestionRow>('questions')
      .insert({ id: q.id, session_id: q.sessionId, question: q.question, answer: q.answer, citations: JSON.stringify(q.citations) as unknown as Citation[], asked_by: q.askedBy })
      .returning('*');
    return toQuestion(row!);
  }
}

function toQuestion(r: QuestionRow): Question {
  return { id: r.id, sessionId: r.session_id, question: r.question, answer: r.answer, citations: r.citations, askedBy: r.asked_by, askedAt: r.asked_at };
}
