import type { RespondFn } from '@slack/bolt';
import { z } from 'zod';
import { isAppError } from '../../../../core/errors.js';
import { findTodo } from '../../../../core/todos/todo.service.js';
import { changeTodo, fieldsOf, formOf, meetingTodos } from '../../../todo-form.js';
import { parseTodoBlockId } from '../../blocks/todo-checkboxes.js';
import { parseTodoMenuChoice } from '../../blocks/todo-menu.js';
import { todoModal } from '../../blocks/todo-modal.js';
import { escapeMrkdwn } from '../../blocks/text.js';
import { chatUser, type SlackContext } from '../../context.js';
import { clickSchema, personOf, tellClicker } from './click.js';

const menuClickSchema = clickSchema.extend({
  actions: z.array(z.object({ block_id: z.string(), selected_option: z.object({ value: z.string() }) })).length(1),
});

/**
 * A choice in a todo's menu, after the ack. "Edit" opens the todo's form filled with what it holds now
 * (remembered as what the editor saw); "Remove" removes it, and tells whoever chose it alone.
 */
export async function handleTodoMenu(ctx: SlackContext, body: unknown, respond: RespondFn): Promise<void> {
  const click = menuClickSchema.parse(body);
  const action = click.actions[0]!;
  const block = parseTodoBlockId(action.block_id);
  const choice = parseTodoMenuChoice(action.selected_option.value);
  if (!block || !choice) return;
  try {
    if (choice.kind === 'edit') {
      const meeting = await meetingTodos(ctx, block.sessionId);
      const todo = findTodo(meeting, choice.todoId);
      await ctx.client.views.open({ trigger_id: click.trigger_id, view: todoModal({ sessionId: block.sessionId, todoId: todo.id, seen: fieldsOf(todo) }, formOf(todo, meeting.names)) });
      return;
    }
    const removed = await changeTodo(ctx, { kind: 'remove', sessionId: block.sessionId, todoId: choice.todoId }, chatUser(click.team.id, click.user.id), personOf(click.user));
    await tellClicker(respond, `🗑️ Removed “${escapeMrkdwn(removed.task)}”.`);
  } catch (err) {
    if (!isAppError(err)) throw err;
    await tellClicker(respond, `❌ ${err.userMessage}`);
    return;
  }
  await ctx.todosChanged(block.sessionId);
}
