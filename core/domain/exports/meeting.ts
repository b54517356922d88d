import { isoDayIn } from '../due-date.js';
import type { Session } from '../session.js';
import { speakerName, type SpeakerNames } from '../speaker-name.js';
import type { SummaryDocument, TodosDocument } from '../todos.js';
import type { StoredTranscript } from '../transcript.js';

/** What an export is made of: the session and its stored results (the shape of SessionResults). */
export interface MeetingExport {
  session: Session;
  transcript: StoredTranscript;
  summary: SummaryDocument | null;
  todos: TodosDocument | null;
  speakers: SpeakerNames;
}

export interface ExportOptions {
  /** The meeting's status page; Markdown timestamps link into it when given. */
  pageUrl?: string | null;
  /** The moment due dates are shown at (their year); the clock when absent. */
  now?: Date;
}

/** The day the meeting took place (`YYYY-MM-DD`), in the zone its todos' dates were read in. */
export function meetingDay({ session, todos }: Pick<MeetingExport, 'session' | 'todos'>): string {
  return isoDayIn(session.createdAt, session.timeZone ?? todos?.metadata.time_zone ?? 'UTC');
}

/**
 * The meeting's title, the one choice every surface, export and file name follows: the title a person gave
 * it, else the one its notes proposed, else the recording's name, else "Meeting of <day>".
 */
export function meetingTitle(meeting: Pick<MeetingExport, 'session' | 'todos'> & { summary: Pick<SummaryDocument, 'title'> | null }): string {
  const { session, summary } = meeting;
  return session.title ?? summary?.title ?? session.filename ?? `Meeting of ${meetingDay(meeting)}`;
}

/** Who spoke, in the order they first spoke, as the notes name them. */
export function meetingPeople({ transcript, speakers }: Pick<MeetingExport, 'transcript' | 'speakers'>): string[] {
  const labels = new Set(transcript.segments.flatMap((s) => (s.speaker ? [s.speaker] : [])));
  return [...labels].map((label) => speakerName(label, speakers));
}
