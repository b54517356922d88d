import type { Knex } from 'knex';
import type { NewNotesVersion, NotesVersionsRepository } from '../../core/db/notes-versions.repository.js';
import type { TodoChangesRepository } from '../../core/db/todo-changes.repository.js';
import { withTodosLock } from '../../core/db/todos-lock.js';
import { carryOverDocument } from '../../core/domain/carry-over.js';
import type { StorageLayout } from '../../core/domain/storage-layout.js';
import { summaryDocumentSchema, todosDocumentSchema, type SummaryDocument, type TodosDocument } from '../../core/domain/todos.js';
import type { ObjectStore } from '../../core/storage/object-store.js';

export interface ReplaceNotesDeps {
  knex: Knex;
  store: ObjectStore;
  layout: StorageLayout;
  notesVersions: NotesVersionsRepository;
  /** The todo history: ids it names are never reused, and todos people removed stay removed. */
  changes: TodoChangesRepository;
}

/**
 * Makes freshly written notes the session's current version (docs/architecture.md#regenerating-the-notes):
 * under the todos lock a tick takes, so one made while the LLM wrote is read here, not overwritten, the
 * current documents are kept as version `version - 1` under `v{n}/`, what people did to the todos is carried
 * over (ticks, edits, added todos, and removed ones staying removed), the new documents replace the current ones, and the version is recorded.
 */
export async function replaceNotes(deps: ReplaceNotesDeps, sessionId: string, fresh: { todos: TodosDocument; summary: SummaryDocument }, version: NewNotesVersion): Promise<void> {
  const { knex, store, layout, notesVersions, changes } = deps;
  const previous = version.version - 1;
  await withTodosLock(knex, sessionId, async (trx) => {
    const current = todosDocumentSchema.parse(await store.getJson(layout.todos(sessionId)));
    const currentSummary = summaryDocumentSchema.parse(await store.getJson(layout.summary(sessionId)));
    // Already kept when an earlier try stopped after this: the current documents may be its new ones.
    if (!(await store.exists(layout.versionTodos(sessionId, previous)))) {
      await store.putJson(layout.versionSummary(sessionId, previous), currentSummary);
      await store.putJson(layout.versionTodos(sessionId, previous), current);
    }
    const archived = await Promise.all(
      Array.from({ length: previous - 1 }, (_, i) => store.getJson(layout.versionTodos(sessionId, i + 1))),
    );
    // Ids of every earlier list and of the history: a new todo never takes an id a chat message or a page once showed for another.
    const usedIds = [
      ...archived.flatMap((raw) => (raw === null ? [] : todosDocumentSchema.parse(raw).todos.map((t) => t.id))),
      ...(await changes.todoIds(trx, sessionId)),
    ];
    const removed = await changes.removed(sessionId, trx);
    const asWritten = await changes.beforeFirstEdit(sessionId, trx);
    await store.putJson(layout.summary(sessionId), fresh.summary);
    await store.putJson(layout.todos(sessionId), carryOverDocument(current, fresh.todos, { usedIds, removed, asWritten }));
    await notesVersions.makeCurrent(trx, sessionId, version);
  });
}
