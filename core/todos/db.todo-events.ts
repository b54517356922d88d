import type { EventLog } from '../progress/event-log.js';
import type { TodoEvent, TodoEventBus } from './todo-events.js';

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
