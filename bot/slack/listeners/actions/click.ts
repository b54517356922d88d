import type { RespondFn } from '@slack/bolt';
import { z } from 'zod';

/** What every click on a results message carries: who, where, and the trigger a modal is opened with. */
export const clickSchema = z.object({
  trigger_id: z.string(),
  team: z.object({ id: z.string() }),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
});
export type Click = z.infer<typeof clickSchema>;

/** A person as todo changes name them (completed_by, edited_by …). */
export const personOf = (user: Click['user']) => user.username ?? user.name ?? user.id;

/**
 * Tells whoever clicked alone, through the action's response URL: it reaches them even where an ephemeral
 * post would not (Slack refuses one to a person outside the channel, whom a refusal is for).
 */
export async function tellClicker(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text });
}
