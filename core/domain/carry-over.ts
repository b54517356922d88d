import type { Todo, TodosDocument } from './todos.js';

/**
 * What people did to a list of todos, carried over to a regenerated list (docs/architecture.md#regenerating-the-notes).
 * A new todo that says what an old one said takes the old one's id (chat checkboxes name ids), its tick, and,
 * when a person edited the old one, its task, assignee and due (it matches by what it said before the edit
 * too); each old todo matches at most one new one.
 * A todo a person added that a new todo also says is listed once: the person's todo as they wrote it, citing
 * the moment the new one cites. Todos a person added or edited that no new todo matches are kept as they are
 * (a regeneration never throws away what someone typed); a new todo saying what a todo a person removed said
 * stays removed; new todos nothing matched get ids above every id used so far.
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

/** What a regeneration must respect besides the current list. */
export interface CarryOverHistory {
  /** Every id the session's lists ever had (earlier versions and the todo history), so an id never comes back naming another todo. */
  usedIds?: Iterable<string>;
  /** Todos people removed (their last state): a new todo matching one is left out. */
  removed?: readonly Todo[];
  /** Edited todos as they were written, before people edited them: a new todo matching one is that todo. */
  asWritten?: readonly Todo[];
}

/** The regenerated list `fresh` with what people did to `previous` (and, through `history`, removed) carried over. */
export function carryOver(previous: readonly Todo[], fresh: readonly Todo[], { usedIds = [], removed = [], asWritten = [] }: CarryOverHistory = {}): Todo[] {
  // A todo whose text a person rewrote is also what it said before.
  const texts = (old: Todo) => [old, ...asWritten.filter((t) => t.id === old.id)];
  const score = (old: Todo, next: Todo) => Math.max(...texts(old).map((t) => (isSameTodo(t, next) ? closeness(t, next) : -1)));
  // Closest pairs first, so a todo is not taken by a looser match that comes earlier in the list.
  const pairs = previous
    .flatMap((old) => fresh.map((next) => ({ old, next, score: score(old, next) })))
    .filter((p) => p.score >= 0)
    .sort((a, b) => b.score - a.score);
  const matchOf = new Map<Todo, Todo>();
  const taken = new Set<Todo>();
  for (const { old, next } of pairs) {
    if (matchOf.has(next) || taken.has(old)) continue;
    matchOf.set(next, old);
    taken.add(old);
  }

  const stillRemoved = (next: Todo) => !matchOf.has(next) && removed.some((gone) => isSameTodo(gone, next));

  let nextId = highestId([...usedIds, ...previous.map((t) => t.id), ...removed.map((t) => t.id)]);
  const carried = fresh.filter((next) => !stillRemoved(next)).map((next): Todo => {
    const old = matchOf.get(next);
    if (!old) return { ...next, id: String(++nextId) };
    // What a person added stays theirs; the notes only say when the meeting said it.
    if (old.added_at) return { ...old, segments: next.segments, timestamp: next.timestamp };
    const ticked = { ...next, id: old.id, completed: old.completed, completed_by: old.completed_by, completed_at: old.completed_at };
    if (!old.edited_at) return ticked;
    return { ...ticked, task: old.task, assignee: old.assignee, due: old.due, due_date: old.due_date, edited_by: old.edited_by, edited_at: old.edited_at };
  });
  // added_by is null for a holder of the page link: added_at is what marks a todo a person added.
  const keptUnmatched = previous.filter((old) => (old.edited_at || old.added_at) && !taken.has(old));
  return [...carried, ...keptUnmatched];
}

/** The regenerated document with `carryOver` applied to its list, and its counts made to match that list. */
export function carryOverDocument(previous: TodosDocument, fresh: TodosDocument, history: CarryOverHistory = {}): TodosDocument {
  const todos = carryOver(previous.todos, fresh.todos, history);
  return {
    ...fresh,
    todos,
    metadata: { ...fresh.metadata, total_todos: todos.length, high_priority: todos.filter((t) => t.priority === 'high').length },
  };
}
