import type { SearchRepository } from '../db/search.repository.js';
import { searchConfig, searchEntries } from '../domain/search.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import { summaryDocumentSchema, todosDocumentSchema } from '../domain/todos.js';
import { storedTranscriptSchema } from '../domain/transcript.js';
import type { ObjectStore } from '../storage/object-store.js';

export interface SearchIndexDeps {
  store: ObjectStore;
  layout: StorageLayout;
  search: SearchRepository;
}

/**
 * Indexes a meeting for search (docs/architecture.md#search) from what it has stored: its transcript, with the
 * current summary and todos when written, in the configuration of the transcript's language. Replaces what
 * was indexed before, so it runs again whenever the notes change. A meeting without a transcript has nothing
 * to index.
 */
export async function indexMeeting(deps: SearchIndexDeps, sessionId: string): Promise<void> {
  const { store, layout, search } = deps;
  const [transcript, summary, todos] = await Promise.all([
    store.getJson(layout.transcript(sessionId)),
    store.getJson(layout.summary(sessionId)),
    store.getJson(layout.todos(sessionId)),
  ]);
  if (transcript === null) return;
  const parsed = storedTranscriptSchema.parse(transcript);
  const entries = searchEntries(
    parsed,
    summary === null ? null : summaryDocumentSchema.parse(summary),
    todos === null ? null : todosDocumentSchema.parse(todos),
  );
  await search.replace(sessionId, searchConfig(parsed.language), entries);
}
