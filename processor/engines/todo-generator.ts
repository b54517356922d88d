import type { MeetingNotes } from '../../core/domain/todos.js';
import type { StoredTranscript } from '../../core/domain/transcript.js';

export interface TodoRequest {
  /** Whose meeting: every line the engine logs about it names the session (absent outside a job). */
  sessionId?: string;
  transcript: StoredTranscript;
  /** The person's request when notes are regenerated ("in German"): told to the model apart from the transcript. */
  instruction?: string | null;
  /** A model to use instead of the configured one; an engine that cannot use it refuses the job. */
  model?: string | null;
  /** `message` replaces the stage's usual words, e.g. while a local model is downloaded first. */
  onProgress: (percent: number, message?: string) => void;
  signal?: AbortSignal;
}

/** Summary, key points, decisions and todos from a transcript; every todo cites existing segments. */
export interface TodoGenerator {
  generate(request: TodoRequest): Promise<MeetingNotes>;
}
