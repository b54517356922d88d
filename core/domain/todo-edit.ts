import { singleLine } from './display-name.js';
import { resolveDue } from './due-date.js';
import { speakerName, type SpeakerNames } from './speaker-name.js';
import { NOTE_LIMITS, PRIORITIES, type Priority, type Todo } from './todos.js';

/** What a person may change of a todo: its text, owner, due date and priority. */
export interface TodoFields {
  task: string;
  /** A speaker label (`SPEAKER_01`) or a name; null for nobody. */
  assignee: string | null;
  /** The due phrase as typed ("by Friday", "2026-12-11"); null for none. */
  due: string | null;
  priority: Priority;
}
export const EDITABLE_FIELDS = ['task', 'assignee', 'due', 'priority'] as const satisfies ReadonlyArray<keyof TodoFields>;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

/** An edit: the fields a person changed. */
export type TodoPatch = Partial<TodoFields>;

/** When and where the meeting took place: what a typed due phrase is read against. */
export interface DueContext {
  meetingAt: Date;
  timeZone: string;
}

/** A field a person changed that someone else changed first, from the value they saw to `current`. */
export interface EditConflict {
  field: EditableField;
  current: string | null;
}

/** Why a typed todo is refused; null when it is fine. */
export function invalidFields(patch: TodoPatch): string | null {
  if (patch.task !== undefined && patch.task.length === 0) return 'A todo needs some text.';
  if (patch.task !== undefined && Array.from(patch.task).length > NOTE_LIMITS.taskChars) return `A todo’s text is at most ${NOTE_LIMITS.taskChars} characters.`;
  for (const field of ['assignee', 'due'] as const) {
    const value = patch[field];
    if (value != null && Array.from(value).length > NOTE_LIMITS.labelChars) return `A todo’s ${field === 'due' ? 'due date' : 'owner'} is at most ${NOTE_LIMITS.labelChars} characters.`;
  }
  if (patch.priority !== undefined && !PRIORITIES.includes(patch.priority)) return `A todo’s priority is one of ${PRIORITIES.join(', ')}.`;
  return null;
}

/** A typed patch cleaned like every other text people give us: one line each, an empty owner or due is none. */
export function cleanPatch(patch: TodoPatch): TodoPatch {
  const clean: TodoPatch = {};
  if (patch.task !== undefined) clean.task = singleLine(patch.task);
  if (patch.assignee !== undefined) clean.assignee = patch.assignee === null ? null : singleLine(patch.assignee) || null;
  if (patch.due !== undefined) clean.due = patch.due === null ? null : singleLine(patch.due) || null;
  if (patch.priority !== undefined) clean.priority = patch.priority;
  return clean;
}

/** The fields of `patch` the editor changed from what they saw (a form sends every field, changed or not). */
export function editedFields(patch: TodoPatch, seen: TodoPatch | undefined): TodoPatch {
  if (!seen) return patch;
  return Object.fromEntries(EDITABLE_FIELDS.flatMap((f) => (patch[f] !== undefined && patch[f] !== seen[f] ? [[f, patch[f]]] : [])));
}

/**
 * The fields of `edit` (see editedFields) that `todo` no longer holds as the editor saw them (`seen`), where
 * the editor wants something else: another person's edit landed in between. Fields the editor left alone
 * never conflict, so two people changing different fields of one todo both keep their change.
 */
export function editConflicts(todo: Todo, edit: TodoPatch, seen: TodoPatch | undefined): EditConflict[] {
  if (!seen) return [];
  return EDITABLE_FIELDS.flatMap((field) => {
    const wanted = edit[field];
    if (wanted === undefined || seen[field] === undefined) return [];
    const current = todo[field];
    return current !== seen[field] && current !== wanted ? [{ field, current }] : [];
  });
}

/** The fields `patch` actually changes on `todo`. */
export function changedFields(todo: Todo, patch: TodoPatch): EditableField[] {
  return EDITABLE_FIELDS.filter((field) => patch[field] !== undefined && patch[field] !== todo[field]);
}

/** `todo` with `patch` applied: a new due phrase is resolved to a date again; who edited it and when is kept. */
export function applyPatch(todo: Todo, patch: TodoPatch, by: string | null, at: string, due: DueContext): Todo {
  const next: Todo = { ...todo, ...definedFields(patch), edited_by: by, edited_at: at };
  if (patch.due !== undefined) next.due_date = dueDate(patch.due, due);
  return next;
}

/** A todo a person added: no place in the recording, open, with who added it. */
export function newTodo(id: string, fields: TodoFields, by: string | null, at: string, due: DueContext): Todo {
  return {
    id,
    task: fields.task,
    priority: fields.priority,
    timestamp: null,
    context: '',
    completed: false,
    assignee: fields.assignee,
    due: fields.due,
    due_date: dueDate(fields.due, due),
    segments: [],
    completed_by: null,
    completed_at: null,
    added_by: by,
    added_at: at,
  };
}

/**
 * The owner to store for what a person typed: a speaker's label when the text is how a speaker is shown (the
 * given name "Maria", or "Speaker 2" for SPEAKER_01), so a later rename follows the todo; otherwise the text.
 * Every surface that lets people type an owner (page, chat, CLI) passes it through here.
 */
export function ownerFromShown(typed: string | null, names: SpeakerNames): string | null {
  if (typed === null) return null;
  const wanted = singleLine(typed).toLowerCase();
  const named = Object.keys(names).find((label) => speakerName(label, names).toLowerCase() === wanted);
  if (named) return named;
  const unnamed = /^speaker (\d{1,3})$/.exec(wanted);
  if (!unnamed || Number(unnamed[1]) < 1) return typed;
  const label = `SPEAKER_${String(Number(unnamed[1]) - 1).padStart(2, '0')}`;
  // A named speaker is no longer shown as "Speaker n": the text then means something else, kept as typed.
  return Object.hasOwn(names, label) ? typed : label;
}

/** `patch` with its typed owner read as ownerFromShown reads it (the other fields as they are). */
export function withOwnerFromShown(patch: TodoPatch, names: SpeakerNames): TodoPatch {
  return patch.assignee === undefined ? patch : { ...patch, assignee: ownerFromShown(patch.assignee, names) };
}

/** The id after every id in `ids` (todo ids are small integers, never reused within a session). */
export function nextTodoId(ids: Iterable<string>): string {
  let highest = 0;
  for (const id of ids) if (/^\d+$/.test(id)) highest = Math.max(highest, Number(id));
  return String(highest + 1);
}

function dueDate(phrase: string | null, { meetingAt, timeZone }: DueContext): string | null {
  return phrase === null ? null : resolveDue(phrase, meetingAt, timeZone).date;
}

function definedFields(patch: TodoPatch): TodoPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}
