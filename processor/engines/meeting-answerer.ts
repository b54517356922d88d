import type { StoredTranscript } from '../../core/domain/transcript.js';
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

/** An LLM as the answers need it: one answer per prompt. */
export interface AnswerModel {
  /** One part's answer: `chunk` is the part asked, whose lines are the only ones it may cite. */
  part(prompt: ChatPrompt, chunk: TranscriptChunk): Promise<Answer>;
  /** The parts' answers merged: `cited` are the lines they cite, the only ones the merge may cite. */
  merge(prompt: ChatPrompt, cited: number[]): Promise<Answer>;
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
    const answer = await model.part(answerPrompt(chunk, question, { index, count: chunks.length, language: transcript.language }), chunk);
    if (answer.answered && answer.answer.trim()) answers.push({ ...answer, segments: citedIn(answer.segments, chunk) });
  }
  if (answers.length === 0) return NOT_ANSWERED;
  const cited = [...new Set(answers.flatMap((a) => a.segments))].sort((a, b) => a - b);
  const final = answers.length === 1 ? answers[0]! : await model.merge(mergeAnswersPrompt(answers, question, transcript.language), cited);
  const text = final.answer.replace(INLINE_IDS, '').trim();
  if (!final.answered || !text) return NOT_ANSWERED;
  return { answered: true, text, segments: existingSegments(final.segments, segmentStarts(transcript)) };
}

function citedIn(segments: number[], chunk: TranscriptChunk): number[] {
  return existingSegments(segments, new Map(chunk.segments.map((s) => [s.id, s.start])));
}
