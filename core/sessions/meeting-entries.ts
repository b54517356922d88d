import { z } from 'zod';
import { meetingEntry, type MeetingEntry } from '../domain/meeting-entry.js';
import type { Session } from '../domain/session.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import { summaryDocumentSchema, todosDocumentSchema } from '../domain/todos.js';
import type { ObjectStore } from '../storage/object-store.js';

/** Only the length is read from a transcript: the segments are not needed to list a meeting. */
const transcriptLength = z.object({ duration: z.number() });

/**
 * A session as lists show it, from its row and its stored notes (the proposed title, the todos), each null
 * until written. The transcript, large, is read only for a session whose recording's length was never measured.
 */
export async function readMeetingEntry(deps: { store: ObjectStore; layout: StorageLayout }, session: Session): Promise<MeetingEntry> {
  const { store, layout } = deps;
  const [summary, todos, transcript] = await Promise.all([
    store.getJson(layout.summary(session.id)),
    store.getJson(layout.todos(session.id)),
    session.durationSeconds === null && session.transcriptPath ? store.getJson(layout.transcript(session.id)) : null,
  ]);
  return meetingEntry(
    session,
    summary === null ? null : summaryDocumentSchema.parse(summary),
    todos === null ? null : todosDocumentSchema.parse(todos),
    transcript === null ? null : transcriptLength.parse(transcript).duration,
  );
}
