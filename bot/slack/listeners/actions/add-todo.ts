import { z } from 'zod';
import { todoModal } from '../../blocks/todo-modal.js';
import type { SlackContext } from '../../context.js';
import { clickSchema } from './click.js';

const addClickSchema = clickSchema.extend({ actions: z.array(z.object({ value: z.uuid() })).length(1) });

/** "Add a todo" under a results message, after the ack: opens an empty todo form for that session. */
export async function handleAddTodoClick(ctx: SlackContext, body: unknown): Promise<void> {
  const click = addClickSchema.parse(body);
  await ctx.client.views.open({ trigger_id: click.trigger_id, view: todoModal({ sessionId: click.actions[0]!.value }, null) });
}
