import type { Knex } from 'knex';
import { z } from 'zod';
import type { SessionsRepository } from '../db/sessions.repository.js';
import { withTodosLock } from '../db/todos-lock.js';
import type { TodoChange, TodoChangesRepository } from '../db/todo-changes.repository.js';
import type { Session } from '../domain/session.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import {
  applyPatch,
  changedFields,
  cleanPatch,
  editConflicts,
  editedFields,
  invalidFields,
  newTodo,
  nextTodoId,
  type DueContext,
  type TodoFields,
  type TodoPatch,
} from '../domain/todo-edit.js';
import { todosDocumentSchema, type Todo, type TodosDocument } from '../domain/todos.js';
import { speakerName } from '../domain/speaker-name.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { TodoEvent, TodoEventBus } from './todo-events.js';

export interface TodoServiceDeps {
  knex: Knex;
  sessions: SessionsRepository;
  changes: TodoChangesRepository;
  store: ObjectStore;
  layout: StorageLayout;
  events: TodoEventBus;
  log: Logger;
  clock?: () => Date;
}

/** What one read-modify-write decided: the changes to record and announce. */
type Decide = (doc: TodosDocument, ctx: { at: string; due: DueContext; usedIds: () => Promise<string[]> }) => Promise<TodoChange[]> | TodoChange[];

/**
 * Ticking, editing, adding and removing todos, for the status page, both chat platforms and the CLI.
 * todos.json holds the state and the todo_changes table the history (docs/architecture.md#todo-events); an
 * object store has no compare-and-swap, so each session's read-modify-write runs under a PostgreSQL
 * advisory lock and two people changing todos at once never lose an update, whichever process serves them.
 */
export class TodoService {
  private readonly clock: () => Date;

  constructor(private readonly deps: TodoServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The meeting's current todos as stored, or null before they are written (or once the meeting is deleted). */
  async list(sessionId: string): Promise<Todo[] | null> {
    const raw = await this.deps.store.getJson(this.deps.layout.todos(sessionId));
    return raw === null ? null : todosDocumentSchema.parse(raw).todos;
  }

  /**
   * Saves a todo's state and announces it (the page's viewers and the chat threads). Setting the state it
   * already has changes nothing and announces nothing, so a repeated click is harmless.
   */
  async setCompleted(sessionId: string, todoId: string, completed: boolean, by: string | null): Promise<Todo> {
    let found: Todo | undefined;
    const changed = await this.update(sessionId, by, (doc, { at }) => {
      found = findTodo(doc, todoId);
      return found.completed === completed ? [] : [tick(found, completed, by, at)];
    });
    return changed[0] ?? found!;
  }

  /**
   * Saves several ticks of one meeting at once (the page's form without JavaScript) in one read-modify-write:
   * ids not on the list are skipped, and each todo whose state changed is announced. Returns those todos.
   */
  async setMany(sessionId: string, states: ReadonlyMap<string, boolean>, by: string | null): Promise<Todo[]> {
    return this.update(sessionId, by, (doc, { at }) =>
      doc.todos.filter((t) => states.has(t.id) && t.completed !== states.get(t.id)).map((t) => tick(t, states.get(t.id)!, by, at)),
    );
  }

  /**
   * Changes a todo's text, owner, due date or priority. `seen` is the todo as the editor saw it when they
   * began (a form's original values): a field someone else changed since is refused with TODO_EDIT_CONFLICT
   * rather than overwritten unseen, while fields the editor left alone are never touched, so two people
   * editing different fields of one todo at once both keep their change. Without `seen` (the CLI) the
   * given fields are set as they are. An edit that changes nothing is not recorded or announced.
   */
  async edit(sessionId: string, todoId: string, patch: TodoPatch, by: string | null, seen?: TodoPatch): Promise<Todo> {
    const saw = seen && cleanPatch(seen);
    const wanted = editedFields(validPatch(patch), saw);
    let found: Todo | undefined;
    const changed = await this.update(sessionId, by, (doc, { at, due }) => {
      found = findTodo(doc, todoId);
      const conflicts = editConflicts(found, wanted, saw);
      if (conflicts.length > 0) {
        const said = conflicts.map(({ field, current }) => `its ${FIELD_WORDS[field]} is now ${current === null ? 'empty' : `“${field === 'assignee' ? speakerName(current) : current}”`}`);
        throw new AppError('TODO_EDIT_CONFLICT', `Someone changed this todo while you were editing it: ${said.join(', ')}. Nothing was saved; please edit it again.`);
      }
      if (changedFields(found, wanted).length === 0) return [];
      const after = applyPatch(found, wanted, by, at, due);
      doc.todos[doc.todos.indexOf(found)] = after;
      return [{ todoId, kind: 'edit', before: found, after, by, at: new Date(at) }];
    });
    return changed[0] ?? found!;
  }

  /** Adds a todo by hand, at the end of the list, with an id the session never used. */
  async add(sessionId: string, fields: Pick<TodoFields, 'task'> & Partial<TodoFields>, by: string | null): Promise<Todo> {
    const { task, assignee = null, due = null, priority = 'medium' } = validPatch({ assignee: null, due: null, priority: 'medium', ...fields }) as TodoFields;
    const [added] = await this.update(sessionId, by, async (doc, { at, due: context, usedIds }) => {
      const todo = newTodo(nextTodoId([...doc.todos.map((t) => t.id), ...(await usedIds())]), { task, assignee, due, priority }, by, at, context);
      doc.todos.push(todo);
      return [{ todoId: todo.id, kind: 'add', before: null, after: todo, by, at: new Date(at) }];
    });
    return added!;
  }

  /** Removes a todo from the list; the history keeps it, with who removed it and when. */
  async remove(sessionId: string, todoId: string, by: string | null): Promise<Todo> {
    const [removed] = await this.update(sessionId, by, (doc, { at }) => {
      const todo = findTodo(doc, todoId);
      doc.todos.splice(doc.todos.indexOf(todo), 1);
      return [{ todoId, kind: 'remove', before: todo, after: null, by, at: new Date(at) }];
    });
    return removed!;
  }

  /** What people did to the meeting's todos, oldest first: who, when, and the todo before and after. */
  async history(sessionId: string): Promise<TodoChange[]> {
    await this.session(sessionId);
    return this.deps.changes.forSession(sessionId);
  }

  /** Runs `decide` on the stored list under the session's lock, writes the list and its history, then announces the changes. */
  private async update(sessionId: string, by: string | null, decide: Decide): Promise<Todo[]> {
    const { knex, store, layout, changes } = this.deps;
    const session = await this.session(sessionId);
    const ref = layout.todos(sessionId);

    const saved = await withTodosLock(knex, sessionId, async (trx) => {
      const raw = await store.getJson(ref);
      if (raw === null) throw new AppError('TODOS_NOT_READY', 'The todos of this meeting are not ready yet.');
      const doc = todosDocumentSchema.parse(raw);
      const at = this.clock().toISOString();
      const due = { meetingAt: session.createdAt, timeZone: doc.metadata.time_zone ?? 'UTC' };
      const decided = await decide(doc, { at, due, usedIds: () => changes.todoIds(trx, sessionId) });
      if (decided.length === 0) return [];
      await changes.record(trx, sessionId, decided);
      await store.putJson(ref, withCounts(doc));
      return decided;
    });
    // Announced after the commit, not under the lock: the embedded engine's event bus writes to the
    // database, and waiting for that inside this transaction waits forever on PGlite (one backend, held by
    // the transaction) and for a spare pooled connection on PostgreSQL. Two changes of one todo may then be
    // announced out of order; each event carries `at`, when it was saved.
    for (const change of saved) await this.announce(sessionId, change, by);
    return saved.map((c) => (c.after ?? c.before)!);
  }

  private async session(sessionId: string): Promise<Session> {
    const session = z.uuid().safeParse(sessionId).success ? await this.deps.sessions.get(sessionId) : null;
    if (!session) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.');
    return session;
  }

  private async announce(sessionId: string, change: TodoChange, by: string | null): Promise<void> {
    const at = change.at.toISOString();
    const event: TodoEvent =
      change.kind === 'tick' || change.kind === 'untick'
        ? { sessionId, todoId: change.todoId, completed: change.kind === 'tick', by, at }
        : { kind: 'todo', sessionId, todoId: change.todoId, change: change.kind, by, at };
    try {
      await this.deps.events.publish(event);
    } catch (err) {
      // The change is saved (the truth); viewers pick it up on their next load.
      this.deps.log.warn({ err, sessionId, todoId: change.todoId }, 'todo event not published');
    }
  }
}

const FIELD_WORDS: Record<keyof TodoPatch, string> = { task: 'text', assignee: 'owner', due: 'due date', priority: 'priority' };

/** The todo `todoId` of a list; TODO_NOT_FOUND when it is not (or no longer) on it. */
export function findTodo(doc: Pick<TodosDocument, 'todos'>, todoId: string): Todo {
  const todo = doc.todos.find((t) => t.id === todoId);
  if (!todo) throw new AppError('TODO_NOT_FOUND', 'That todo is not on this meeting’s list.');
  return todo;
}

function tick(todo: Todo, completed: boolean, by: string | null, at: string): TodoChange {
  const before = { ...todo };
  Object.assign(todo, { completed, completed_by: completed ? by : null, completed_at: completed ? at : null });
  return { todoId: todo.id, kind: completed ? 'tick' : 'untick', before, after: { ...todo }, by, at: new Date(at) };
}

function validPatch(patch: TodoPatch): TodoPatch {
  const clean = cleanPatch(patch);
  const invalid = invalidFields(clean);
  if (invalid) throw new AppError('TODO_INVALID', invalid);
  return clean;
}

/** The list's counts follow its todos. */
function withCounts(doc: TodosDocument): TodosDocument {
  doc.metadata.total_todos = doc.todos.length;
  doc.metadata.high_priority = doc.todos.filter((t) => t.priority === 'high').length;
  return doc;
}
