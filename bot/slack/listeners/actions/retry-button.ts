import type { RespondFn } from '@slack/bolt';
import { z } from 'zod';
import { retryReply } from '../../../commands.js';
import { mayRetry } from '../../../may-change.js';
import { escapeMrkdwn } from '../../blocks/text.js';
import { chatUser, type SlackContext } from '../../context.js';
import { isWorkspaceAdmin } from '../../workspace-admin.js';

const retryClickSchema = z.object({
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  team: z.object({ id: z.string() }),
  actions: z.array(z.object({ value: z.string() })).length(1),
});

/**
 * A click on the Retry button of a failed session's status message, after the ack: the uploader, a member
 * of the session's channel or a workspace admin may (mayRetry). The answer goes to whoever clicked alone,
 * through the action's response URL, which reaches them even outside the channel (a Slack Connect
 * channel's guest, an admin); the status message shows the session running again as its progress comes in.
 */
export async function handleRetryClick(ctx: SlackContext, body: unknown, respond: RespondFn): Promise<void> {
  const click = retryClickSchema.parse(body);
  const sessionId = click.actions[0]!.value;
  const user = chatUser(click.team.id, click.user.id, click.user.username ?? click.user.name ?? null);
  const result = await ctx.sessions.retry(sessionId, mayRetry(ctx, user, () => isWorkspaceAdmin(ctx, click.user.id)));
  ctx.log.info({ sessionId, outcome: result.outcome }, 'slack retry clicked');
  await respond({ response_type: 'ephemeral', replace_original: false, text: retryReply(sessionId, result, escapeMrkdwn) });
}
