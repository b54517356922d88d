import { z } from 'zod';
import { isAppError } from '../../../../core/errors.js';
import { changedTodos, parseTodoBlockId, TODO_ACTION } from '../../blocks/todo-checkboxes.js';
import type { SlackContext } from '../../context.js';

const checkboxesClickSchema = z.object({
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ thread_ts: z.string().optional() }).optional(),
  actions: z.array(
    z.object({
      action_id: z.string(),
      block_id: z.string(),
      selected_options: z.array(z.object({ value: z.string() })).default([]),
    }),
  ),
});

/**
 * A click in a todo checkboxes element, after the ack: the todos whose state the person changed are saved
 * through the todo service (no lost update when two people tick at once), then the results re-rendered.
 */
export async function handleTodoChecks(ctx: SlackContext, body: unknown): Promise<void> {
  const click = checkboxesClickSchema.parse(body);
  const by = click.user.username ?? click.user.name ?? click.user.id;
  for (const action of click.actions) {
    const block = action.action_id === TODO_ACTION ? parseTodoBlockId(action.block_id) : null;
    if (!block) continue;
    const changes = changedTodos(
      block.shownTicked,
      action.selected_options.map((o) => o.value),
    );
    try {
      for (const { todoId, completed } of changes) await ctx.todos.setCompleted(block.sessionId, todoId, completed, by);
    } catch (err) {
      if (!isAppError(err) || !click.channel) throw err;
      await ctx.client.chat.postEphemeral({ channel: click.channel.id, user: click.user.id, text: `❌ ${err.userMessage}`, thread_ts: click.container?.thread_ts });
      continue;
    }
    await ctx.todosChanged(block.sessionId);
  }
}
