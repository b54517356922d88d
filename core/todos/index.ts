import type { Config } from '../config.js';
import type { Knex } from '../db/knex.js';
import type { SessionsRepository } from '../db/sessions.repository.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import type { Logger } from '../logger.js';
import type { ChannelFeed } from '../progress/redis.progress-bus.js';
import type { ObjectStore } from '../storage/object-store.js';
import { RedisTodoEventBus, RedisTodoFeed } from './redis.todo-events.js';
import type { TodoEventBus, TodoFeed } from './todo-events.js';
import { TodoService } from './todo.service.js';

export { TodoService } from './todo.service.js';
export type { TodoEvent, TodoEventBus, TodoFeed } from './todo-events.js';

export interface Todos {
  service: TodoService;
  events: TodoEventBus;
  feed: TodoFeed;
  close(): Promise<void>;
}

export interface TodosDeps {
  redis: Config['redis'];
  knex: Knex;
  sessions: SessionsRepository;
  store: ObjectStore;
  layout: StorageLayout;
  /** The process's shared subscriber: todo events ride it instead of opening another connection. */
  channels: ChannelFeed;
  log: Logger;
}

/** Todo ticking and live todo events over a process's connections (one publisher, the shared subscriber). */
export function createTodos(deps: TodosDeps): Todos {
  const log = deps.log.child({ component: 'todos' });
  const events = new RedisTodoEventBus(deps.redis, log);
  const service = new TodoService({ knex: deps.knex, sessions: deps.sessions, store: deps.store, layout: deps.layout, events, log });
  return {
    service,
    events,
    feed: new RedisTodoFeed(deps.channels, deps.redis.keyPrefix, log),
    close: () => events.close(),
  };
}
