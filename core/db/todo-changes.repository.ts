import type { Knex } from 'knex';
import { todoSchema, type Todo } from '../domain/todos.js';

export const TODO_CHANGE_KINDS = ['tick', 'untick', 'edit', 'add', 'remove'] as const;
export type TodoChangeKind = (typeof TODO_CHANGE_KINDS)[number];

/** One change of one todo, as the history keeps it. */
export interface TodoChange {
  todoId: string;
  kind: TodoChangeKind;
  before: Todo | null;
  after: Todo | null;
  by: string | null;
  at: Date;
}

interface TodoChangeRow {
  id: string;
  session_id: string;
  todo_id: string;
  kind: TodoChangeKind;
  before: unknown;
  after: unknown;
  changed_by: string | null;
  changed_at: Date;
}

/** What people did to a session's todos (table todo_changes, docs/architecture.md#database-tables). */
export class TodoChangesRepository {
  constructor(private readonly knex: Knex) {}

  /** Records changes; pass the transaction that holds the session's todo lock so history and state agree. */
  async record(trx: Knex.Transaction, sessionId: string, changes: readonly TodoChange[]): Promise<void> {
    if (changes.length === 0) return;
    await trx('todo_changes').insert(
      changes.map((c) => ({
        session_id: sessionId,
        todo_id: c.todoId,
        kind: c.kind,
        // pg and PGlite both take JSON text for jsonb; an array or object would be sent as a Postgres array.
        before: c.before === null ? null : JSON.stringify(c.before),
        after: c.after === null ? null : JSON.stringify(c.after),
        changed_by: c.by,
        changed_at: c.at,
      })),
    );
  }

  /** The session's history, oldest first. */
  async forSession(sessionId: string): Promise<TodoChange[]> {
    const rows = await this.knex<TodoChangeRow>('todo_changes').where({ session_id: sessionId }).orderBy('id');
    return rows.map((r) => ({
      todoId: r.todo_id,
      kind: r.kind,
      before: parseTodo(r.before),
      after: parseTodo(r.after),
      by: r.changed_by,
      at: new Date(r.changed_at),
    }));
  }

  /**
   * Todos people removed (their last state), which a regenerated list must not bring back. Under the
   * session's todo lock pass its transaction (`db`): PGlite has one backend, held by that transaction.
   */
  async removed(sessionId: string, db: Knex = this.knex): Promise<Todo[]> {
    const rows = await db<TodoChangeRow>('todo_changes').where({ session_id: sessionId, kind: 'remove' }).orderBy('id').select('before');
    return rows.flatMap((r) => parseTodo(r.before) ?? []);
  }

  /**
   * Each todo people edited, as it was before its first edit (as the notes writer wrote it): a regenerated
   * list is matched against that text too, so a todo whose text was rewritten by hand keeps its edits.
   * Under the session's todo lock pass its transaction (`db`).
   */
  async beforeFirstEdit(sessionId: string, db: Knex = this.knex): Promise<Todo[]> {
    const rows = await db<TodoChangeRow>('todo_changes').where({ session_id: sessionId, kind: 'edit' }).orderBy('id').select('todo_id', 'before');
    const first = new Map<string, unknown>();
    for (const r of rows) if (!first.has(r.todo_id)) first.set(r.todo_id, r.before);
    return [...first.values()].flatMap((before) => parseTodo(before) ?? []);
  }

  /** Every todo id the session's history names: ids are never reused, so links to a removed todo stay dead. */
  async todoIds(trx: Knex.Transaction, sessionId: string): Promise<string[]> {
    return trx<TodoChangeRow>('todo_changes').where({ session_id: sessionId }).distinct('todo_id').pluck('todo_id');
  }
}

/** jsonb arrives parsed from pg and PGlite alike; a row written by a newer version may not parse: then it is left out. */
function parseTodo(raw: unknown): Todo | null {
  if (raw === null || raw === undefined) return null;
  const parsed = todoSchema.safeParse(typeof raw === 'string' ? JSON.parse(raw) : raw);
  return parsed.success ? parsed.data : null;
}
