import type { Knex } from '../db/knex.js';
import type { SessionsRepository } from '../db/sessions.repository.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { TodoEventBus, TodoFeed } from './todo-events.js';
import { TodoService } from './todo.service.js';

export { TodoService } from './todo.service.js';
export type { TodoEvent, TodoEventBus, TodoFeed } from './todo-events.js';

export interface Todos {
  service: TodoService;
  events: TodoEventBus;
  feed: TodoFeed;
}

export interface TodosDeps {
  knex: Knex;
  sessions: SessionsRepository;
  store: ObjectStore;
  layout: StorageLayout;
  /** Todo events ride the process's progress engine (core/progress createProgress), which owns them. */
  events: TodoEventBus;
  feed: TodoFeed;
  log: Logger;
}

/** Todo ticking, announced on the process's progress engine. */
export function createTodos(deps: TodosDeps): Todos {
  const log = deps.log.child({ component: 'todos' });
  const { events, feed } = deps;
  const service = new TodoService({ knex: deps.knex, sessions: deps.sessions, store: deps.store, layout: deps.layout, events, log });
  return { service, events, feed };
}
