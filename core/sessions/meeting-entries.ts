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

const readSummary = async ({ store, layout }: Deps, sessionId: string): Promise<SummaryDocument | null> => {
  const summary = await store.getJson(layout.summary(sessionId));
  return summary === null ? null : summaryDocumentSchema.parse(summary);
};

const readTodos = async ({ store, layout }: Deps, sessionId: string): Promise<TodosDocument | null> => {
  const todos = await store.getJson(layout.todos(sessionId));
  return todos === null ? null : todosDocumentSchema.parse(todos);
};

/**
 * What the meeting is called (meetingTitle), reading only what it can come from: nothing for a title a person
 * gave, the summary for the proposed one, and the todos only for the zone of the day an untitled, unnamed
 * meeting is called after (searches name every meeting they hit).
 */
export async function readMeetingTitle(deps: Deps, session: Session): Promise<string> {
  const summary = session.title === null ? await readSummary(deps, session.id) : null;
  const onlyTheDay = (session.title ?? summary?.title ?? session.filename) === null && session.timeZone === null;
  return meetingTitle({ session, summary, todos: onlyTheDay ? await readTodos(deps, session.id) : null });
}

/**
 * A session as lists show it, from its row and its stored notes (the proposed title, the todos), each null
 * until written. The transcript, large, is read only for a session whose recording's length was never measured.
 */
export async function readMeetingEntry(deps: Deps, session: Session): Promise<MeetingEntry> {
  const { store, layout } = deps;
  const [summary, todos, transcript] = await Promise.all([
    readSummary(deps, session.id),
    readTodos(deps, session.id),
    session.durationSeconds === null && session.transcriptPath ? store.getJson(layout.transcript(session.id)) : null,
  ]);
  return meetingEntry(session, summary, todos, transcript === null ? null : transcriptLength.parse(transcript).duration);
}
