import type { Todo } from '../../../core/domain/todos.js';
import { saveTodoChange, type TodoChange } from '../../todo-form.js';
import type { SlackContext } from '../context.js';

/**
 * The one place Slack acts on a person's change to a todo (edit, add, remove). `by` is how the change names
 * the person. The caller re-renders the results (`ctx.todosChanged`) once it has answered.
 */
export function changeTodo(ctx: SlackContext, change: TodoChange, by: string): Promise<Todo> {
  return saveTodoChange(ctx.todos, change, by);
}
