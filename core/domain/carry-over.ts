import type { Todo, TodosDocument } from './todos.js';

/**
 * What people did to a list of todos, carried over to a regenerated list (docs/architecture.md#regenerating-the-notes).
 * A new todo that says what an old one said takes the old one's id (chat checkboxes name ids), its tick, and,
 * when a person edited the old one, its task, assignee and due; each old todo matches at most one new one.
 * Todos a person added are kept as they are; new todos nothing matched get ids above every id used so far.
 */

/** Word overlap (Jaccard) above which two tasks citing a common segment are the same todo. */
export const SAME_TODO_OVERLAP = 0.6;

const normalized = (task: string) => task.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

const wordsOf = (task: string) => new Set(normalized(task).split(' ').filter(Boolean));

function overlap(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Whether `later` is `earlier` written again: the same task, or most words the same and a cited line in common. */
export function isSameTodo(earlier: Pick<Todo, 'task' | 'segments'>, later: Pick<Todo, 'task' | 'segments'>): boolean {
  if (normalized(earlier.task) === normalized(later.task)) return true;
  const cited = new Set(earlier.segments);
  return later.segments.some((s) => cited.has(s)) && overlap(wordsOf(earlier.task), wordsOf(later.task)) >= SAME_TODO_OVERLAP;
}

/** How close two todos are, for choosing among several that match: the same text first, then the word overlap. */
function closeness(earlier: Todo, later: Todo): number {
  return normalized(earlier.task) === normalized(later.task) ? 2 : overlap(wordsOf(earlier.task), wordsOf(later.task));
}

/** The largest numeric id in `ids` (non-numeric ids count as 0). */
export function highestId(ids: Iterable<string>): number {
  let max = 0;
  for (const id of ids) {
    const n = Number(id);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max;
}

/**
 * The regenerated list `fresh` with what people did to `previous` carried over. `usedIds` are every id the
 * session's lists ever had (earlier versions included), so an id never comes back naming another todo.
 */
export function carryOver(previous: readonly Todo[], fresh: readonly Todo[], usedIds: Iterable<string> = []): Todo[] {
  const written = previous.filter((t) => !t.added_by);
  const added = previous.filter((t) => t.added_by);
  // Closest pairs first, so a todo is not taken by a looser match that comes earlier in the list.
  const pairs = written
    .flatMap((old) => fresh.map((next) => ({ old, next, score: isSameTodo(old, next) ? closeness(old, next) : -1 })))
    .filter((p) => p.score >= 0)
    .sort((a, b) => b.score - a.score);
  const matchOf = new Map<Todo, Todo>();
  const taken = new Set<Todo>();
  for (const { old, next } of pairs) {
    if (matchOf.has(next) || taken.has(old)) continue;
    matchOf.set(next, old);
    taken.add(old);
  }

  let nextId = highestId([...usedIds, ...previous.map((t) => t.id)]);
  const carried = fresh.map((next): Todo => {
    const old = matchOf.get(next);
    if (!old) return { ...next, id: String(++nextId) };
    const ticked = { ...next, id: old.id, completed: old.completed, completed_by: old.completed_by, completed_at: old.completed_at };
    if (!old.edited_by) return ticked;
    return { ...ticked, task: old.task, assignee: old.assignee, due: old.due, due_date: old.due_date, edited_by: old.edited_by, edited_at: old.edited_at };
  });
  return [...carried, ...added];
}

/** The regenerated document with `carryOver` applied to its list, and its counts made to match that list. */
export function carryOverDocument(previous: TodosDocument, fresh: TodosDocument, usedIds: Iterable<string> = []): TodosDocument {
  const todos = carryOver(previous.todos, fresh.todos, usedIds);
  return {
    ...fresh,
    todos,
    metadata: { ...fresh.metadata, total_todos: todos.length, high_priority: todos.filter((t) => t.priority === 'high').length },
  };
}
