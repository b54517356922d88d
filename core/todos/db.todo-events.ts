import type { Logger } from '../logger.js';
import type { EventLog } from '../progress/event-log.js';
import type { LogFeed } from '../progress/log-feed.js';
import type { Unsubscribe } from '../progress/progress-bus.js';
import { parseTodoEvent, type TodoEvent, type TodoEventBus, type TodoFeed } from './todo-events.js';

/** Ticks of the embedded engine: appended to the event log's todo stream, for the bots and for viewers. */
export class DbTodoEventBus implements TodoEventBus {
  constructor(
    private readonly log: EventLog,
    /** The event log stream the bots read (`todo-events`). */
    private readonly stream: string,
  ) {}

  async publish(event: TodoEvent): Promise<void> {
    await this.log.write((_trx, append) => append(this.stream, event.sessionId, JSON.stringify(event)));
  }

  async ping(): Promise<void> {
    await this.log.knex.raw('select 1');
  }

  /** The database belongs to the process; there is nothing of the bus's own to close. */
  async close(): Promise<void> {}
}

/** Todo events of a session, carried by the process's log feed (which progress viewers share). */
export class DbTodoFeed implements TodoFeed {
  constructor(
    private readonly feed: LogFeed,
    private readonly stream: string,
    private readonly logger: Logger,
  ) {}

  subscribe(sessionId: string, listener: (event: TodoEvent) => void): Unsubscribe {
    return this.feed.subscribe(this.stream, sessionId, (payload) => {
      const event = parseTodoEvent(payload);
      if (event) listener(event);
      else this.logger.warn({ sessionId, bytes: payload.length }, 'malformed todo event ignored');
    });
  }
}
