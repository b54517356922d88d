import { z } from 'zod';
import { answerInThread, questionOf } from '../../../questions.js';
import { escapeMrkdwn, slackLink } from '../../blocks/text.js';
import type { SlackContext } from '../../context.js';

/** An `app_mention` event: someone wrote `@Whisper …` in a channel the bot is in. */
export const mentionSchema = z.object({
  type: z.literal('app_mention'),
  user: z.string(),
  text: z.string(),
  channel: z.string(),
  ts: z.string(),
  thread_ts: z.string().optional(),
});
export type Mention = z.infer<typeof mentionSchema>;

/**
 * "@Whisper what did we decide about pricing?" in a meeting's thread: answered in the thread, from that
 * meeting (docs/architecture.md#questions). A mention outside a meeting's thread is told where to ask. Acted
 * on once, like a file share: Slack's retries carry the same `event_id`.
 */
export async function handleMention(ctx: SlackContext, envelope: { team_id: string; event_id: string }, mention: Mention): Promise<void> {
  if (!(await ctx.claims.claim(`slack:event:${envelope.event_id}`))) return;
  const threadTs = mention.thread_ts ?? mention.ts;
  const place = { platform: 'slack' as const, workspaceId: envelope.team_id, channelId: mention.channel, threadRef: threadTs };
  const text = await answerInThread(ctx, place, questionOf(mention.text), mention.user, { formatLink: slackLink, escapeText: escapeMrkdwn });
  await ctx.platform.post(mention.channel, { text }, threadTs);
}
