import type { Knex } from '../db/knex.js';
import type { SessionsRepository } from '../db/sessions.repository.js';
import { TodoChangesRepository } from '../db/todo-changes.repository.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import type { Logger } from '../logger.js';
import type { EventCarrier } from '../progress/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import { createTodoEvents, type TodoEvents } from './todo-event-engine.js';
import { TodoService } from './todo.service.js';

export { TodoService } from './todo.service.js';
export type { TodoEvent, TodoEventBus, TodoFeed } from './todo-events.js';

export interface Todos extends TodoEvents {
  service: TodoService;
}

export interface TodosDeps {
  knex: Knex;
  sessions: SessionsRepository;
  store: ObjectStore;
  layout: StorageLayout;
  /** Todo events ride the process's progress engine (core/progress createProgress). */
  carrier: EventCarrier;
  log: Logger;
}

/** Ticking and editing todos, announced on the process's progress engine. */
export function createTodos(deps: TodosDeps): Todos {
  const log = deps.log.child({ component: 'todos' });
  const events = createTodoEvents(deps.carrier, log);
  const service = new TodoService({ knex: deps.knex, sessions: deps.sessions, changes: new TodoChangesRepository(deps.knex), store: deps.store, layout: deps.layout, events: events.events, log });
  return { ...events, service };
}
