import { z } from 'zod';
import { meetingTitle } from '../domain/exports/meeting.js';
import { meetingEntry, type MeetingEntry } from '../domain/meeting-entry.js';
import type { Session } from '../domain/session.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import { summaryDocumentSchema, todosDocumentSchema, type SummaryDocument, type TodosDocument } from '../domain/todos.js';
import type { ObjectStore } from '../storage/object-store.js';

/** Only the length is read from a transcript: the segments are not needed to list a meeting. */
const transcriptLength = z.object({ duration: z.number() });

type Deps = { store: ObjectStore; layout: StorageLayout };

/** The meeting's current notes (the proposed title, the todos), each null until written. */
async function readNotes({ store, layout }: Deps, sessionId: string): Promise<{ summary: SummaryDocument | null; todos: TodosDocument | null }> {
  const [summary, todos] = await Promise.all([store.getJson(layout.summary(sessionId)), store.getJson(layout.todos(sessionId))]);
  return {
    summary: summary === null ? null : summaryDocumentSchema.parse(summary),
    todos: todos === null ? null : todosDocumentSchema.parse(todos),
  };
}

/** What the meeting is called (meetingTitle), from its row and its stored notes: the title given, else the proposed one. */
export async function readMeetingTitle(deps: Deps, session: Session): Promise<string> {
  return meetingTitle({ session, ...(await readNotes(deps, session.id)) });
}

/**
 * A session as lists show it, from its row and its stored notes (the proposed title, the todos), each null
 * until written. The transcript, large, is read only for a session whose recording's length was never measured.
 */
export async function readMeetingEntry(deps: Deps, session: Session): Promise<MeetingEntry> {
  const { store, layout } = deps;
  const [{ summary, todos }, transcript] = await Promise.all([
    readNotes(deps, session.id),
    session.durationSeconds === null && session.transcriptPath ? store.getJson(layout.transcript(session.id)) : null,
  ]);
  return meetingEntry(session, summary, todos, transcript === null ? null : transcriptLength.parse(transcript).duration);
}
