import type { MeetingNotes } from '../../core/domain/todos.js';
import type { StoredTranscript } from '../../core/domain/transcript.js';

export interface TodoRequest {
  /** Whose meeting: every line the engine logs about it names the session (absent outside a job). */
  sessionId?: string;
  transcript: StoredTranscript;
  /** `message` replaces the stage's usual words, e.g. while a local model is downloaded first. */
  onProgress: (percent: number, message?: string) => void;
  signal?: AbortSignal;
}

/** Summary, key points, decisions and todos from a transcript; every todo cites existing segments. */
export interface TodoGenerator {
  generate(request: TodoRequest): Promise<MeetingNotes>;
}
