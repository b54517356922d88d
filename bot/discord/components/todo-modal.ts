import { createHash } from 'node:crypto';
import { ComponentType, TextInputStyle, type APIModalInteractionResponseCallbackData, type APITextInputComponent } from 'discord.js';
import { EDITABLE_FIELDS, invalidFields, type EditableField, type TodoFields } from '../../../core/domain/todo-edit.js';
import { NOTE_LIMITS, PRIORITIES, type Priority, type Todo } from '../../../core/domain/todos.js';
import { AppError } from '../../../core/errors.js';
import type { TodoForm } from '../../todo-form.js';

/**
 * A todo's Edit button, the list's "Add a todo" button, and the forms (modals) they open. Discord sends a
 * form back with the values typed, not those it opened with, so an edit form's custom id carries a short
 * fingerprint of each field as shown (TodoService.edit's `seen` is worked out from it, see `seenFrom`); a
 * custom id holds 100 characters, too few for the values themselves.
 */
const EDIT = 'wn:todo-edit';
const ADD = 'wn:todo-add';
const EDIT_FORM = 'wn:todo-form';
const ADD_FORM = 'wn:todo-new';
const SESSION = '([0-9a-f-]{36})';
const TODO = '(\\d{1,20})';
/** Hex characters per field: 24 bits, so a value typed that matches another's fingerprint is a 1-in-16-million chance. */
const PRINT = 6;

/** Which todo an Edit button or form is about. */
export interface TodoRef {
  sessionId: string;
  todoId: string;
}

export const editButtonId = (t: TodoRef) => `${EDIT}:${t.sessionId}:${t.todoId}`;
export const addButtonId = (sessionId: string) => `${ADD}:${sessionId}`;

const match = (prefix: string, tail: string, customId: string) => new RegExp(`^${prefix}:${tail}$`).exec(customId);

export function parseEditButtonId(customId: string): TodoRef | null {
  const m = match(EDIT, `${SESSION}:${TODO}`, customId);
  return m ? { sessionId: m[1]!, todoId: m[2]! } : null;
}

export const parseAddButtonId = (customId: string): string | null => match(ADD, SESSION, customId)?.[1] ?? null;

/** A submitted form: an edit (with the fingerprint of what it showed) or an addition. */
export type TodoFormRef = ({ kind: 'edit'; shown: string } & TodoRef) | { kind: 'add'; sessionId: string };

export function parseTodoFormId(customId: string): TodoFormRef | null {
  const edit = match(EDIT_FORM, `${SESSION}:${TODO}:([0-9a-f]{${PRINT * EDITABLE_FIELDS.length}})`, customId);
  if (edit) return { kind: 'edit', sessionId: edit[1]!, todoId: edit[2]!, shown: edit[3]! };
  const add = match(ADD_FORM, SESSION, customId);
  return add ? { kind: 'add', sessionId: add[1]! } : null;
}

/** The form's inputs; `remove` is on the edit form only. */
export const TODO_FIELDS = { task: 'task', owner: 'owner', due: 'due', priority: 'priority', remove: 'remove' } as const;
/** What a person types in `remove` to remove the todo: removal is asked for in words, never by emptying the text. */
export const REMOVE_WORD = 'remove';

const printOf = (value: string | null) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, PRINT);

/** The fingerprint of a todo's fields as a form shows them (stored values). */
export const fingerprint = (fields: TodoFields): string => EDITABLE_FIELDS.map((f) => printOf(fields[f])).join('');

/** A value no todo can hold (longer than any text is let be): stands for "something other than what it holds now". */
const NOT_WHAT_IT_HOLDS = 'x'.repeat(NOTE_LIMITS.taskChars + 1);

/**
 * What the editor saw, field by field, from the form's fingerprint: the value they sent when it is the one
 * shown (they left it alone), else the todo's value now when that is the one shown (nobody changed it since);
 * otherwise both changed it, and the service is told the editor saw something else than it holds now, which
 * it refuses as a conflict unless they agree.
 */
export function seenFrom(shown: string, typed: TodoFields, current: Todo): TodoFields {
  const printed = (field: EditableField) => shown.slice(EDITABLE_FIELDS.indexOf(field) * PRINT, (EDITABLE_FIELDS.indexOf(field) + 1) * PRINT);
  const seen = <V extends string | null>(field: EditableField, typedValue: V, currentValue: V): V | string =>
    printOf(typedValue) === printed(field) ? typedValue : printOf(currentValue) === printed(field) ? currentValue : NOT_WHAT_IT_HOLDS;
  // Three priorities: the one shown is found from its fingerprint.
  const priority = PRIORITIES.find((p) => printOf(p) === printed('priority')) ?? current.priority;
  return { task: seen('task', typed.task, current.task), assignee: seen('assignee', typed.assignee, current.assignee), due: seen('due', typed.due, current.due), priority };
}

/** The edit form, filled with the todo as it is now; or the empty form that adds one. */
export function todoModal(form: { kind: 'edit'; ref: TodoRef; fields: TodoFields; shown: TodoForm } | { kind: 'add'; sessionId: string }): APIModalInteractionResponseCallbackData {
  const shown = form.kind === 'edit' ? form.shown : null;
  const input = (custom_id: string, label: string, value: string, max: number, extra: Partial<APITextInputComponent> = {}) => ({
    type: ComponentType.ActionRow as const,
    components: [{ type: ComponentType.TextInput as const, custom_id, label, style: TextInputStyle.Short, max_length: max, required: false, ...(value && { value }), ...extra }],
  });
  const rows = [
    input(TODO_FIELDS.task, 'Todo', shown?.task ?? '', NOTE_LIMITS.taskChars, { style: TextInputStyle.Paragraph, required: true }),
    input(TODO_FIELDS.owner, 'Owner (a speaker as shown, or anyone)', shown?.owner ?? '', NOTE_LIMITS.labelChars),
    input(TODO_FIELDS.due, 'Due', shown?.due ?? '', NOTE_LIMITS.labelChars, { placeholder: 'by Friday, next week, 2026-12-11' }),
    input(TODO_FIELDS.priority, 'Priority: high, medium or low', shown?.priority ?? 'medium', 6, { required: true }),
  ];
  if (form.kind === 'add') return { custom_id: `${ADD_FORM}:${form.sessionId}`, title: 'Add a todo', components: rows };
  return {
    custom_id: `${EDIT_FORM}:${form.ref.sessionId}:${form.ref.todoId}:${fingerprint(form.fields)}`,
    title: 'Edit the todo',
    components: [...rows, input(TODO_FIELDS.remove, `Type “${REMOVE_WORD}” to remove this todo`, '', REMOVE_WORD.length)],
  };
}

/** A priority as typed ("High", " low"); anything else is refused in the service's words. */
export function typedPriority(text: string): Priority {
  const priority = text.trim().toLowerCase() as Priority;
  const invalid = invalidFields({ priority });
  if (invalid) throw new AppError('TODO_INVALID', invalid);
  return priority;
}
