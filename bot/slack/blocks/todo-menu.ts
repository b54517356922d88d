import type { types } from '@slack/bolt';

/** The overflow menu beside each todo; its block is the todo's (todo-checkboxes.ts), which names the session. */
export const TODO_MENU_ACTION = 'wn-todo-menu';
/** The "Add a todo" button under the list; its value is the session id. */
export const TODO_ADD_ACTION = 'wn-todo-add';

export type TodoMenuChoice = { kind: 'edit' | 'remove'; todoId: string };

const CHOICE = /^(edit|remove):([^:]{1,40})$/;

/** "Edit" and "Remove" for one todo. */
export function todoMenu(todoId: string): types.Overflow {
  return {
    type: 'overflow',
    action_id: TODO_MENU_ACTION,
    options: [
      { text: { type: 'plain_text', text: '✏️ Edit' }, value: `edit:${todoId}` },
      { text: { type: 'plain_text', text: '🗑️ Remove' }, value: `remove:${todoId}` },
    ],
  };
}

export function parseTodoMenuChoice(value: string): TodoMenuChoice | null {
  const m = CHOICE.exec(value);
  return m ? { kind: m[1] as TodoMenuChoice['kind'], todoId: m[2]! } : null;
}

export function addTodoButton(sessionId: string): types.ActionsBlock {
  return { type: 'actions', elements: [{ type: 'button', action_id: TODO_ADD_ACTION, text: { type: 'plain_text', text: '➕ Add a todo' }, value: sessionId }] };
}
