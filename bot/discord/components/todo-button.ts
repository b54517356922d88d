const PREFIX = 'wn:todo';
const PATTERN = new RegExp(`^${PREFIX}:([0-9a-f-]{36}):([^:]{1,40}):([01])$`);

/**
 * A toggle button carries the state it sets, not "flip": two people pressing the same stale button both
 * ask for the same state, so neither undoes the other.
 */
export interface TodoToggle {
  sessionId: string;
  todoId: string;
  completed: boolean;
}

export function todoButtonId(t: TodoToggle): string {
  return `${PREFIX}:${t.sessionId}:${t.todoId}:${t.completed ? 1 : 0}`;
}

export function parseTodoButtonId(customId: string): TodoToggle | null {
  const m = PATTERN.exec(customId);
  return m ? { sessionId: m[1]!, todoId: m[2]!, completed: m[3] === '1' } : null;
}
