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

const NOTHING_SAID: OverviewAnswer = { title: '', summary: '', key_points: [], decisions: [], estimated_time: null };

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
  /** The person's request when the notes are regenerated (meeting-prompt.ts personRequest). */
  instruction: string | null = null,
): Promise<MeetingNotes> {
  const chunks = chunkTranscript(transcript, limits);
  const steps = chunks.length > 1 ? chunks.length + 1 : chunks.length;
  const answers: NotesAnswer[] = [];
  let dropped = 0;
  for (const [index, chunk] of chunks.entries()) {
    const answer = await model.notes(notesPrompt(chunk, { index, count: chunks.length, language: transcript.language, instruction }), chunk);
    // Bounds the merge below; what is stored is bounded again (NOTE_LIMITS).
    answers.push({ ...answer, todos: answer.todos.slice(0, NOTE_LIMITS.todos) });
    dropped += Math.max(0, answer.todos.length - NOTE_LIMITS.todos);
    onProgress(Math.round(((index + 1) / steps) * 100));
  }

  const todos = mergeTodos(answers.flatMap((a) => a.todos), transcript);
  let overview: OverviewAnswer = answers[0] ?? NOTHING_SAID;
  if (answers.length > 1) {
    overview = await mergeOverviews(answers, todos, { language: transcript.language, instruction }, limits.maxChars, model);
    onProgress(100);
  }
  return {
    title: overview.title,
    summary: overview.summary,
    keyPoints: overview.key_points,
    decisions: overview.decisions,
    estimatedTime: overview.estimated_time,
    todos,
    dropped,
  };
}

/**
 * One overview from several parts' notes, in prompts no longer than a part's: when all of them do not fit
 * (a long meeting on a small context), each half is merged first and the two halves then. The todo list is
 * there for the effort estimate only, and is left out of a prompt it would overflow.
 */
async function mergeOverviews(
  parts: OverviewAnswer[],
  todos: MeetingNotes['todos'],
  asked: { language: string; instruction: string | null },
  maxChars: number,
  model: NotesModel,
): Promise<OverviewAnswer> {
  const length = (p: ChatPrompt) => p.user.length;
  const prompt = overviewPrompt(parts, todos, asked.language, asked.instruction);
  if (length(prompt) <= maxChars) return model.overview(prompt);
  const withoutTodos = overviewPrompt(parts, [], asked.language, asked.instruction);
  if (length(withoutTodos) <= maxChars || parts.length < 3) return model.overview(withoutTodos);
  const half = Math.ceil(parts.length / 2);
  const halves = [
    await mergeOverviews(parts.slice(0, half), [], asked, maxChars, model),
    await mergeOverviews(parts.slice(half), [], asked, maxChars, model),
  ];
  return mergeOverviews(halves, todos, asked, maxChars, model);
}
