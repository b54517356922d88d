import { z } from 'zod';
import { retryReply } from '../../../commands.js';
import { escapeMrkdwn } from '../../blocks/text.js';
import { chatUser, type SlackContext } from '../../context.js';
import { isWorkspaceAdmin } from '../../workspace-admin.js';

const retryClickSchema = z.object({
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  team: z.object({ id: z.string() }),
  channel: z.object({ id: z.string() }),
  container: z.object({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  actions: z.array(z.object({ value: z.string() })).length(1),
});

/**
 * A click on the Retry button of a failed session's status message, after the ack: the session service
 * decides who may (the uploader or an admin); the answer goes to whoever clicked alone, and the status
 * message shows the session running again as its progress comes in.
 */
export async function handleRetryClick(ctx: SlackContext, body: unknown): Promise<void> {
  const click = retryClickSchema.parse(body);
  const sessionId = click.actions[0]!.value;
  const user = chatUser(click.team.id, click.user.id, click.user.username ?? click.user.name ?? null);
  const result = await ctx.sessions.retry(sessionId, user, await isWorkspaceAdmin(ctx, click.user.id));
  ctx.log.info({ sessionId, outcome: result.outcome }, 'slack retry clicked');
  await ctx.client.chat.postEphemeral({
    channel: click.channel.id,
    user: click.user.id,
    text: retryReply(sessionId, result, escapeMrkdwn),
    thread_ts: click.container?.thread_ts ?? click.container?.message_ts,
  });
}
