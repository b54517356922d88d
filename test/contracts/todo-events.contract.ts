import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../core/logger.js';
import type { TodoEvents } from '../../core/todos/todo-event-engine.js';
import type { TodoEvent } from '../../core/todos/todo-events.js';
import { until } from '../helpers/until.js';

/** Todo events built by createTodoEvents on a progress engine, with what the contract needs to look inside it. */
export interface TodoEventsHarness {
  /** Built with the logger the setup is given, so the contract sees its warnings. */
  todos: TodoEvents;
  /** Whether the bots' group exists yet on the todo stream (its reader creates it when it starts). */
  groupCreated(): Promise<boolean>;
  /** Hands `raw` to the session's todo viewers the way the engine carries todo events. */
  injectRaw(sessionId: string, raw: string): Promise<void>;
  cleanup(): Promise<void>;
}

export type TodoEventsSetup = (log: Logger) => Promise<TodoEventsHarness>;

function tick(sessionId: string, todoId: string, completed = true): TodoEvent {
  return { sessionId, todoId, completed, by: completed ? 'anna' : null, at: new Date().toISOString() };
}

/** What every engine must do with todo ticks: live to the session's viewers, and once to the bots. */
export function todoEventsContract(engine: string, setup: TodoEventsSetup): void {
  describe(`${engine} todo events (contract)`, () => {
    let h: TodoEventsHarness;
    let logs: string[];

    beforeEach(async () => {
      logs = [];
      h = await setup(pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) }));
    });

    afterEach(async () => {
      await h.cleanup();
    });

    it('announces ticks to the session’s viewers in order, and only that session’s', async () => {
      const [mine, other] = [randomUUID(), randomUUID()];
      const live: TodoEvent[] = [];
      await h.todos.feed.subscribe(mine, (e) => live.push(e)).ready;

      const sent = [tick(mine, '1'), tick(other, '1'), tick(mine, '2'), tick(mine, '1', false)];
      for (const event of sent) await h.todos.events.publish(event);
      await vi.waitFor(() => expect(live).toEqual(sent.filter((e) => e.sessionId === mine)), { timeout: 5000 });
    });

    it('hands every tick to the bots’ stream once, in order', async () => {
      const handled: TodoEvent[] = [];
      const stream = h.todos.stream;
      stream.start(async (e) => void handled.push(e));
      await until('the bots’ group', () => h.groupCreated());

      const id = randomUUID();
      const sent = [tick(id, '1'), tick(id, '2'), tick(id, '1', false)];
      for (const event of sent) await h.todos.events.publish(event);
      await until('every tick', async () => handled.length >= sent.length);
      await stream.stop();
      expect(handled).toEqual(sent);
    });

    it('ignores and logs malformed todo events', async () => {
      const id = randomUUID();
      const live: TodoEvent[] = [];
      await h.todos.feed.subscribe(id, (e) => live.push(e)).ready;
      await h.injectRaw(id, '{"sessionId":"nope"}');
      const event = tick(id, '3');
      await h.todos.events.publish(event);
      await vi.waitFor(() => expect(live).toEqual([event]), { timeout: 5000 });
      expect(logs.filter((l) => l.includes('malformed todo event ignored'))).toHaveLength(1);
    });

    it('answers ping', async () => {
      await expect(h.todos.events.ping()).resolves.toBeUndefined();
    });
  });
}
