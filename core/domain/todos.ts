import { z } from 'zod';
import { isoDayIn, resolveDue, shortDate } from './due-date.js';
import { displayTitle } from './display-name.js';
import { clip } from './text.js';

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const todoSchema = z.object({
  id: z.string(),
  task: z.string(),
  priority: z.enum(PRIORITIES),
  /**
   * `hh:mm:ss` of the first cited segment: always a time that exists in the transcript. Null when none of
   * the lines the model cited exists: the todo is kept, without a place in the recording.
   */
  timestamp: z.string().regex(/^\d{2,}:\d{2}:\d{2}$/).nullable(),
  context: z.string(),
  completed: z.boolean(),
  assignee: z.string().nullable(),
  due: z.string().nullable(),
  /** `due` resolved to `YYYY-MM-DD` (core/domain/due-date.ts); null when it names no date; absent in older files. */
  due_date: z.iso.date().nullable().optional(),
  /** Cited transcript segment ids that exist; empty for a todo whose citations could not be verified. */
  segments: z.array(z.number().int().nonnegative()),
  completed_by: z.string().nullable(),
  completed_at: z.string().nullable(),
  /** Who last changed the text, owner, due date or priority by hand, and when; absent for a todo as written. A regeneration keeps these fields as edited. */
  edited_by: z.string().nullable().optional(),
  edited_at: z.string().nullable().optional(),
  /** Set on a todo a person added (not written from the transcript); a regeneration keeps it as it is. `added_by` is null for a holder of the page link, so `added_at` is what marks it. */
  added_by: z.string().nullable().optional(),
  added_at: z.string().nullable().optional(),
});
export type Todo = z.infer<typeof todoSchema>;

/** `transcripts/{id}/todos.json` (docs/architecture.md#stored-results). */
export const todosDocumentSchema = z.object({
  generated_at: z.string(),
  session_id: z.uuid(),
  version: z.literal('1.0'),
  todos: z.array(todoSchema),
  summary: z.string(),
  metadata: z.object({
    total_todos: z.number().int(),
    high_priority: z.number().int(),
    estimated_time: z.string().nullable(),
    /** Todos the model wrote that were left out (over NOTE_LIMITS.todos); absent in older files. */
    dropped: z.number().int().nonnegative().optional(),
    /** The IANA zone due dates were resolved in, and in which "today" is read to mark a todo overdue; absent in older files. */
    time_zone: z.string().optional(),
  }),
});
export type TodosDocument = z.infer<typeof todosDocumentSchema>;

/** `transcripts/{id}/summary.json`. */
export const summaryDocumentSchema = z.object({
  generated_at: z.string(),
  session_id: z.uuid(),
  summary: z.string(),
  key_points: z.array(z.string()),
  decisions: z.array(z.string()),
  /** The title the notes propose; files written before have none. */
  title: z.string().optional(),
});
export type SummaryDocument = z.infer<typeof summaryDocumentSchema>;

/** What a todo generator returns before it is stamped into documents. */
export interface MeetingNotes {
  /** A short title for the meeting, proposed with the summary; absent or null when the generator gave none. */
  title?: string | null;
  summary: string;
  keyPoints: string[];
  decisions: string[];
  todos: Array<Pick<Todo, 'task' | 'priority' | 'context' | 'assignee' | 'due' | 'segments' | 'timestamp'>>;
  estimatedTime: string | null;
  /** Todos the generator left out before these (over NOTE_LIMITS.todos in a part); counted into `dropped`. */
  dropped?: number;
}

/**
 * Most of what stored notes hold. An LLM writes them, and a transcript can talk it into writing anything;
 * these keep todos.json and summary.json, and what chat and the status page show of them, to a sane size.
 */
export const NOTE_LIMITS = {
  todos: 100,
  taskChars: 300,
  contextChars: 600,
  /** Assignee, due date, effort estimate. */
  labelChars: 100,
  segmentsPerTodo: 50,
  summaryChars: 4000,
  /** Key points and decisions, each. */
  listItems: 30,
  itemChars: 500,
} as const;


/** The notes within NOTE_LIMITS: the first todos and list items, each text clipped. */
export function boundNotes(notes: MeetingNotes): MeetingNotes {
  const L = NOTE_LIMITS;
  const label = (text: string | null) => (text === null ? null : clip(text, L.labelChars));
  const list = (items: string[]) => items.slice(0, L.listItems).map((item) => clip(item, L.itemChars));
  return {
    // A title is shown on one line wherever the meeting is listed: cleaned and cut as a person's would be.
    ...(notes.title == null ? {} : { title: displayTitle(notes.title) }),
    summary: clip(notes.summary, L.summaryChars),
    keyPoints: list(notes.keyPoints),
    decisions: list(notes.decisions),
    estimatedTime: label(notes.estimatedTime),
    todos: notes.todos.slice(0, L.todos).map((t) => ({
      ...t,
      task: clip(t.task, L.taskChars),
      context: clip(t.context, L.contextChars),
      assignee: label(t.assignee),
      due: label(t.due),
      segments: t.segments.slice(0, L.segmentsPerTodo),
    })),
    dropped: (notes.dropped ?? 0) + Math.max(0, notes.todos.length - L.todos),
  };
}

/**
 * True when `todo` is still open and its due date is before today, "today" being read in the zone its dates
 * were resolved in (UTC for older files).
 */
export function isOverdue(todo: Todo, todos: Pick<TodosDocument, 'metadata'>, now: Date): boolean {
  return !todo.completed && todo.due_date != null && todo.due_date < isoDayIn(now, todos.metadata.time_zone ?? 'UTC');
}

/** A todo's due as shown: the date with the phrase it was read from ("Fri 4 Dec (by Friday)"), or the phrase alone. */
export interface ShownDue {
  text: string;
  /** `YYYY-MM-DD`, or null when the phrase names no date. */
  date: string | null;
  phrase: string;
  overdue: boolean;
}

/** How `todo`'s due is shown at `now` on the page, in chat and in the CLI; null when it has none. */
export function shownDue(todo: Todo, todos: Pick<TodosDocument, 'metadata'>, now: Date): ShownDue | null {
  if (todo.due === null) return null;
  const date = todo.due_date ?? null;
  if (date === null) return { text: todo.due, date, phrase: todo.due, overdue: false };
  const thisYear = Number(isoDayIn(now, todos.metadata.time_zone ?? 'UTC').slice(0, 4));
  return { text: `${shortDate(date, thisYear)} (${todo.due})`, date, phrase: todo.due, overdue: isOverdue(todo, todos, now) };
}

/** What chat and the page say when todos were left out of a list, or null when none were. */
export function droppedTodosSentence(todos: Pick<TodosDocument, 'metadata'>): string | null {
  const n = todos.metadata.dropped ?? 0;
  if (n === 0) return null;
  return `${n} more ${n === 1 ? 'todo was' : 'todos were'} left out: a list keeps the first ${NOTE_LIMITS.todos}.`;
}

/** When and where the meeting took place: what a todo's `due` ("by Friday") is read against. */
export interface MeetingTime {
  at: Date;
  /** IANA zone name. */
  timeZone: string;
}

/** The stored documents for `notes`, bounded by NOTE_LIMITS whoever wrote them. */
export function buildDocuments(
  sessionId: string,
  unbounded: MeetingNotes,
  now: Date,
  meeting: MeetingTime = { at: now, timeZone: 'UTC' },
): { todos: TodosDocument; summary: SummaryDocument } {
  const notes = boundNotes(unbounded);
  const generated_at = now.toISOString();
  const todos: Todo[] = notes.todos.map((t, i) => ({
    id: String(i + 1),
    ...t,
    due_date: t.due === null ? null : resolveDue(t.due, meeting.at, meeting.timeZone).date,
    completed: false,
    completed_by: null,
    completed_at: null,
  }));
  return {
    todos: {
      generated_at,
      session_id: sessionId,
      version: '1.0',
      todos,
      summary: notes.summary,
      metadata: {
        total_todos: todos.length,
        high_priority: todos.filter((t) => t.priority === 'high').length,
        estimated_time: notes.estimatedTime,
        dropped: notes.dropped ?? 0,
        time_zone: meeting.timeZone,
      },
    },
    summary: {
      generated_at,
      session_id: sessionId,
      summary: notes.summary,
      key_points: notes.keyPoints,
      decisions: notes.decisions,
      ...(notes.title ? { title: notes.title } : {}),
    },
  };
}
