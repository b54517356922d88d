import type { StoredTranscript } from '../../core/domain/transcript.js';
import { AppError } from '../../core/errors.js';
import { chunkTranscript, existingSegments, segmentStarts, type ChatPrompt, type ChunkLimits, type TranscriptChunk } from './meeting-prompt.js';
import { answerPrompt, mergeAnswersPrompt, type Answer } from './question-prompt.js';

export interface AnswerRequest {
  transcript: StoredTranscript;
  question: string;
  signal?: AbortSignal;
}

/** An answer from the meeting: `segments` are ids of its transcript's lines, never any other. */
export interface MeetingAnswer {
  /** false: the meeting does not answer the question (then `text` is empty and nothing is cited). */
  answered: boolean;
  text: string;
  segments: number[];
}

/** Answers a person's question about a meeting from its transcript (docs/architecture.md#questions). */
export interface MeetingAnswerer {
  answer(request: AnswerRequest): Promise<MeetingAnswer>;
}

/**
 * Where the notes are written by the local llama.cpp engine: it runs in the processor's child process, which
 * the bot and web processes that are asked do not have, so a question is refused with what would answer it.
 */
export const localEngineAnswerer: MeetingAnswerer = {
  answer: () =>
    Promise.reject(
      new AppError(
        'LLM_UNAVAILABLE',
        'Questions need an OpenAI-compatible language model: an administrator can set OPENAI_BASE_URL or OPENAI_API_KEY. ' +
          'The local llama.cpp engine does not answer questions.',
      ),
    ),
};

/** An LLM as the answers need it: one answer per prompt. */
export interface AnswerModel {
  part(prompt: ChatPrompt): Promise<Answer>;
  merge(prompt: ChatPrompt): Promise<Answer>;
}

const NOT_ANSWERED: MeetingAnswer = { answered: false, text: '', segments: [] };

/** Line ids such as `[12]` a model wrote into its text anyway: the citations are shown apart, checked. */
const INLINE_IDS = /\s*\[\d+(?:\s*,\s*\d+)*\]/g;

/**
 * A question answered from any LLM, map/reduce: each part of the transcript (cut as for the notes) is asked
 * (map), and when several parts answer, one more request merges their answers (reduce). A citation of a line
 * outside the part asked, or outside the transcript, is dropped.
 */
export async function answerFromMeeting(transcript: StoredTranscript, question: string, limits: ChunkLimits, model: AnswerModel): Promise<MeetingAnswer> {
  const chunks = chunkTranscript(transcript, limits);
  const answers: Answer[] = [];
  for (const [index, chunk] of chunks.entries()) {
    const answer = await model.part(answerPrompt(chunk, question, { index, count: chunks.length, language: transcript.language }));
    if (answer.answered && answer.answer.trim()) answers.push({ ...answer, segments: citedIn(answer.segments, chunk) });
  }
  if (answers.length === 0) return NOT_ANSWERED;
  const final = answers.length === 1 ? answers[0]! : await model.merge(mergeAnswersPrompt(answers, question, transcript.language));
  const text = final.answer.replace(INLINE_IDS, '').trim();
  if (!final.answered || !text) return NOT_ANSWERED;
  return { answered: true, text, segments: existingSegments(final.segments, segmentStarts(transcript)) };
}

function citedIn(segments: number[], chunk: TranscriptChunk): number[] {
  return existingSegments(segments, new Map(chunk.segments.map((s) => [s.id, s.start])));
}
