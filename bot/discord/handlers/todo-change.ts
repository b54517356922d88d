import type { Todo } from '../../../core/domain/todos.js';
import { saveTodoChange, type TodoChange } from '../../todo-form.js';
import type { DiscordContext } from '../context.js';

/**
 * The one place Discord acts on a person's change to a todo (edit, add, remove). `by` is how the change names
 * the person. The caller re-renders the results (`ctx.todosChanged`) once it has answered.
 */
export function changeTodo(ctx: DiscordContext, change: TodoChange, by: string): Promise<Todo> {
  return saveTodoChange(ctx.todos, change, by);
}
