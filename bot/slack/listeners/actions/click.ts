import { z } from 'zod';
import type { SlackContext } from '../../context.js';

/** What every click on a results message carries: who, where, and the trigger a modal is opened with. */
export const clickSchema = z.object({
  trigger_id: z.string(),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
});
export type Click = z.infer<typeof clickSchema>;

/** A person as todo changes name them (completed_by, edited_by …). */
export const personOf = (user: Click['user']) => user.username ?? user.name ?? user.id;

/** Tells whoever clicked alone, in the thread of the message they clicked. */
export async function tellClicker(ctx: SlackContext, click: Click, text: string): Promise<void> {
  if (!click.channel) return;
  await ctx.client.chat.postEphemeral({ channel: click.channel.id, user: click.user.id, text, thread_ts: click.container?.thread_ts ?? click.container?.message_ts });
}
