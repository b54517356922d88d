import type { types } from '@slack/bolt';
import { z } from 'zod';
import { NOTE_LIMITS, PRIORITIES, type Priority } from '../../../core/domain/todos.js';
import { parseJsonAs } from '../../../core/json.js';
import type { TodoForm } from '../../todo-form.js';

/** The modal that edits a todo, and the one that adds one; both carry their TodoModalMeta. */
export const TODO_EDIT_VIEW = 'wn-todo-edit';
export const TODO_ADD_VIEW = 'wn-todo-add';

/** The input blocks' ids, which `response_action: errors` names too; each element's action id is `value`. */
export const TODO_INPUTS = { task: 'wn-todo-task', owner: 'wn-todo-owner', due: 'wn-todo-due', priority: 'wn-todo-priority' } as const;
const ACTION = 'value';

const fieldsSchema = z.object({ task: z.string(), assignee: z.string().nullable(), due: z.string().nullable(), priority: z.enum(PRIORITIES) });
/** Editing carries the todo and the stored values the form opened with (TodoService.edit's `seen`); adding, the session alone. */
const metaSchema = z.union([
  z.object({ sessionId: z.uuid(), todoId: z.string().min(1).max(40), seen: fieldsSchema }).strict(),
  z.object({ sessionId: z.uuid() }).strict(),
]);
export type TodoModalMeta = z.infer<typeof metaSchema>;

/** What a modal's `private_metadata` carried, or null when it is not ours. */
export const parseTodoModalMeta = (raw: string): TodoModalMeta | null => parseJsonAs(metaSchema, raw);

const PRIORITY_WORDS: Record<Priority, string> = { high: '🔴 High', medium: '🟡 Medium', low: '🟢 Low' };
const priorityOption = (p: Priority) => ({ text: { type: 'plain_text' as const, text: PRIORITY_WORDS[p] }, value: p });

/** The form for a todo: its text, owner, due date and priority, filled with `form` (empty when adding). */
export function todoModal(meta: TodoModalMeta, form: TodoForm | null): types.ModalView {
  const editing = 'todoId' in meta;
  const text = (block: string, label: string, value: string, max: number, extra: { multiline?: boolean; hint?: string; placeholder?: string; optional?: boolean }): types.InputBlock => ({
    type: 'input',
    block_id: block,
    label: { type: 'plain_text', text: label },
    optional: extra.optional ?? false,
    ...(extra.hint && { hint: { type: 'plain_text', text: extra.hint } }),
    element: {
      type: 'plain_text_input',
      action_id: ACTION,
      max_length: max,
      multiline: extra.multiline ?? false,
      // Slack refuses an empty initial value.
      ...(value && { initial_value: value }),
      ...(extra.placeholder && { placeholder: { type: 'plain_text', text: extra.placeholder } }),
    },
  });
  return {
    type: 'modal',
    callback_id: editing ? TODO_EDIT_VIEW : TODO_ADD_VIEW,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: editing ? 'Edit the todo' : 'Add a todo' },
    submit: { type: 'plain_text', text: editing ? 'Save' : 'Add' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      text(TODO_INPUTS.task, 'Todo', form?.task ?? '', NOTE_LIMITS.taskChars, { multiline: true }),
      text(TODO_INPUTS.owner, 'Owner', form?.owner ?? '', NOTE_LIMITS.labelChars, { optional: true, hint: 'A speaker as shown (Maria, Speaker 2) or anyone’s name.' }),
      text(TODO_INPUTS.due, 'Due', form?.due ?? '', NOTE_LIMITS.labelChars, { optional: true, placeholder: 'by Friday, next week, 2026-12-11' }),
      {
        type: 'input',
        block_id: TODO_INPUTS.priority,
        label: { type: 'plain_text', text: 'Priority' },
        element: { type: 'static_select', action_id: ACTION, options: PRIORITIES.map(priorityOption), initial_option: priorityOption(form?.priority ?? 'medium') },
      },
    ],
  };
}

const stateSchema = z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish(), selected_option: z.object({ value: z.enum(PRIORITIES) }).nullish() })));

/** What the person submitted (`view.state.values`): an input left empty is empty text. */
export function readTodoForm(values: unknown): TodoForm {
  const state = stateSchema.parse(values);
  const text = (block: string) => state[block]?.[ACTION]?.value ?? '';
  return { task: text(TODO_INPUTS.task), owner: text(TODO_INPUTS.owner), due: text(TODO_INPUTS.due), priority: state[TODO_INPUTS.priority]?.[ACTION]?.selected_option?.value ?? 'medium' };
}
