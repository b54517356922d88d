import { meetingTitle } from './exports/meeting.js';
import type { Session } from './session.js';
import type { SummaryDocument, TodosDocument } from './todos.js';

/** A meeting as a list shows it: `/whisper list`, `whisper-notes list` (docs/architecture.md#coming-back-to-a-meeting). */
export interface MeetingEntry {
  session: Session;
  /** meetingTitle: the title a person gave, else the proposed one, else the recording's name. */
  title: string;
  /** The recording's length as ingest measured it, else the transcript's; null before either is known. */
  durationSeconds: number | null;
  /** Todos not ticked yet; null while the meeting has no todo list. */
  openTodos: number | null;
}

export function meetingEntry(
  session: Session,
  summary: SummaryDocument | null,
  todos: TodosDocument | null,
  transcriptSeconds: number | null,
): MeetingEntry {
  return {
    session,
    title: meetingTitle({ session, summary, todos }),
    durationSeconds: session.durationSeconds ?? transcriptSeconds,
    openTodos: todos ? todos.todos.filter((t) => !t.completed).length : null,
  };
}
