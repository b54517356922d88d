/** The action of every todo checkboxes element; which element it was is told by its block id. */
export const TODO_ACTION = 'wn-todo-checks';

const PREFIX = 'wn-todos';
const PATTERN = new RegExp(`^${PREFIX}:([0-9a-f-]{36}):(\\d{1,4}):((?:[^,:]+(?:,[^,:]+)*)?)$`);

/**
 * A todo checkboxes block. Its id carries the ticks it showed, so a click tells exactly what this person
 * changed even when their view is stale: comparing with the stored state instead would undo a tick someone
 * else made meanwhile. A new id on every state also makes Slack clients redraw the element from its
 * `initial_options` instead of keeping their own selection.
 */
export interface TodoBlock {
  sessionId: string;
  /** Position of the todo in the list, one block each (block ids must differ in a message). */
  index: number;
  /** Ids of the todos shown ticked. */
  shownTicked: string[];
}

export function todoBlockId(b: TodoBlock): string {
  return `${PREFIX}:${b.sessionId}:${b.index}:${b.shownTicked.join(',')}`;
}

export function parseTodoBlockId(blockId: string): TodoBlock | null {
  const m = PATTERN.exec(blockId);
  if (!m) return null;
  return { sessionId: m[1]!, index: Number(m[2]), shownTicked: m[3] ? m[3].split(',') : [] };
}

/** The todos a click changed: ticked now but not shown ticked, or the other way round. */
export function changedTodos(shownTicked: string[], selected: string[]): Array<{ todoId: string; completed: boolean }> {
  const before = new Set(shownTicked);
  const after = new Set(selected);
  return [
    ...[...after].filter((id) => !before.has(id)).map((todoId) => ({ todoId, completed: true })),
    ...[...before].filter((id) => !after.has(id)).map((todoId) => ({ todoId, completed: false })),
  ];
}
