import type { Knex } from 'knex';
import { z } from 'zod';
import type { SessionsRepository } from '../db/sessions.repository.js';
import { withTodosLock } from '../db/todos-lock.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import { todosDocumentSchema, type Todo } from '../domain/todos.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { TodoEventBus } from './todo-events.js';

export interface TodoServiceDeps {
  knex: Knex;
  sessions: SessionsRepository;
  store: ObjectStore;
  layout: StorageLayout;
  events: TodoEventBus;
  log: Logger;
  clock?: () => Date;
}

/**
 * Ticking todos, for the status page and both chat platforms. todos.json holds the state (docs/architecture.md#stored-results); an
 * object store has no compare-and-swap, so each session's read-modify-write runs under a PostgreSQL advisory
 * lock and two people ticking at once never lose an update, whichever process serves them.
 */
export class TodoService {
  private readonly clock: () => Date;

  constructor(private readonly deps: TodoServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * Saves a todo's state and announces it (the page's viewers and the chat threads). Setting the state it
   * already has changes nothing and announces nothing, so a repeated click is harmless.
   */
  async setCompleted(sessionId: string, todoId: string, completed: boolean, by: string | null): Promise<Todo> {
    let found: Todo | undefined;
    await this.update(sessionId, by, (todos) => {
      found = todos.find((t) => t.id === todoId);
      if (!found) throw new AppError('TODO_NOT_FOUND', 'That todo is not on this meeting’s list.');
      return [{ todo: found, completed }];
    });
    return found!;
  }

  /**
   * Saves several ticks of one meeting at once (the page's form without JavaScript) in one read-modify-write:
   * ids not on the list are skipped, and each todo whose state changed is announced. Returns those todos.
   */
  async setMany(sessionId: string, changes: ReadonlyMap<string, boolean>, by: string | null): Promise<Todo[]> {
    return this.update(sessionId, by, (todos) => todos.filter((t) => changes.has(t.id)).map((todo) => ({ todo, completed: changes.get(todo.id)! })));
  }

  /** Applies `pick`'s states to the stored list under the session's lock, then announces what changed. */
  private async update(sessionId: string, by: string | null, pick: (todos: Todo[]) => Array<{ todo: Todo; completed: boolean }>): Promise<Todo[]> {
    const { knex, store, layout, events, log } = this.deps;
    const session = z.uuid().safeParse(sessionId).success ? await this.deps.sessions.get(sessionId) : null;
    if (!session) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.');
    const ref = layout.todos(sessionId);

    const saved = await withTodosLock(knex, sessionId, async () => {
      const raw = await store.getJson(ref);
      if (raw === null) throw new AppError('TODOS_NOT_READY', 'The todos of this meeting are not ready yet.');
      const doc = todosDocumentSchema.parse(raw);
      const changed = pick(doc.todos).filter(({ todo, completed }) => todo.completed !== completed);
      if (changed.length === 0) return { changed: [], at: '' };

      const at = this.clock().toISOString();
      for (const { todo, completed } of changed) {
        Object.assign(todo, { completed, completed_by: completed ? by : null, completed_at: completed ? at : null });
      }
      await store.putJson(ref, doc);
      return { changed: changed.map((c) => c.todo), at };
    });
    // Announced after the commit, not under the lock: the embedded engine's event bus writes to the
    // database, and waiting for that inside this transaction waits forever on PGlite (one backend, held by
    // the transaction) and for a spare pooled connection on PostgreSQL. Two ticks of one todo may then be
    // announced out of order; each event carries `at`, when it was saved.
    for (const todo of saved.changed) {
      try {
        await events.publish({ sessionId, todoId: todo.id, completed: todo.completed, by, at: saved.at });
      } catch (err) {
        // The tick is saved (the truth); viewers pick it up on their next load.
        log.warn({ err, sessionId, todoId: todo.id }, 'todo event not published');
      }
    }
    return saved.changed;
  }
}
