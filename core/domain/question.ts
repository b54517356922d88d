/** Questions asked about a meeting and their answers (docs/architecture.md#questions). */

/** The longest question taken: a question, not a document to summarise. */
export const QUESTION_MAX = 500;

/** What the answer says when the meeting does not answer the question. */
export const DOES_NOT_SAY = 'The meeting does not say.';

/** A moment an answer relies on: a line of the meeting's transcript and when it starts (seconds). */
export interface Citation {
  segment: number;
  start: number;
}

export interface Question {
  id: string;
  sessionId: string;
  question: string;
  answer: string;
  /** Only lines the transcript has, in order; none when the meeting does not say. */
  citations: Citation[];
  /** Who asked, as the surface names people; null from the page. */
  askedBy: string | null;
  askedAt: Date;
}
