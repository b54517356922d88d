import { NOTE_LIMITS, type MeetingNotes } from '../../core/domain/todos.js';
import type { StoredTranscript } from '../../core/domain/transcript.js';
import {
  chunkTranscript,
  mergeTodos,
  notesPrompt,
  overviewPrompt,
  type ChatPrompt,
  type ChunkLimits,
  type NotesAnswer,
  type OverviewAnswer,
  type TranscriptChunk,
} from './meeting-prompt.js';

/** An LLM as the notes need it: one answer per prompt, already checked (every citation is in the part). */
export interface NotesModel {
  notes(prompt: ChatPrompt, chunk: TranscriptChunk): Promise<NotesAnswer>;
  overview(prompt: ChatPrompt): Promise<OverviewAnswer>;
}

const NOTHING_SAID: OverviewAnswer = { summary: '', key_points: [], decisions: [], estimated_time: null };

/**
 * A meeting's notes from any LLM, map/reduce: the transcript is cut into parts that fit the model (map);
 * todos are merged without duplicates and, with several parts, one more answer merges the summaries (reduce).
 * Parts run one after another: a small account's rate limit, or one local model, is the bottleneck.
 */
export async function writeMeetingNotes(
  transcript: StoredTranscript,
  limits: ChunkLimits,
  model: NotesModel,
  onProgress: (percent: number) => void,
): Promise<MeetingNotes> {
  const chunks = chunkTranscript(transcript, limits);
  const steps = chunks.length > 1 ? chunks.length + 1 : chunks.length;
  const answers: NotesAnswer[] = [];
  for (const [index, chunk] of chunks.entries()) {
    const answer = await model.notes(notesPrompt(chunk, { index, count: chunks.length, language: transcript.language }), chunk);
    // Bounds the merge below; what is stored is bounded again (NOTE_LIMITS).
    answers.push({ ...answer, todos: answer.todos.slice(0, NOTE_LIMITS.todos) });
    onProgress(Math.round(((index + 1) / steps) * 100));
  }

  const todos = mergeTodos(answers.flatMap((a) => a.todos), transcript);
  let overview: OverviewAnswer = answers[0] ?? NOTHING_SAID;
  if (answers.length > 1) {
    overview = await model.overview(overviewPrompt(answers, todos, transcript.language));
    onProgress(100);
  }
  return {
    summary: overview.summary,
    keyPoints: overview.key_points,
    decisions: overview.decisions,
    estimatedTime: overview.estimated_time,
    todos,
  };
}
