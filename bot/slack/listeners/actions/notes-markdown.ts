import { z } from 'zod';
import { isAppError } from '../../../../core/errors.js';
import { escapeMrkdwn } from '../../blocks/text.js';
import type { SlackContext } from '../../context.js';

const markdownClickSchema = z.object({
  user: z.object({ id: z.string() }),
  channel: z.object({ id: z.string() }),
  container: z.object({ message_ts: z.string(), thread_ts: z.string().optional() }),
  actions: z.array(z.object({ value: z.uuid() })).length(1),
});

/**
 * A click on "Notes as Markdown" under the results, after the ack: the notes are exported as the page's
 * download is (docs/architecture.md#exports) and uploaded into the thread (`files.uploadV2`). A meeting that
 * cannot be exported is answered to whoever clicked alone, in the service's words.
 */
export async function handleMarkdownClick(ctx: SlackContext, body: unknown): Promise<void> {
  const click = markdownClickSchema.parse(body);
  const sessionId = click.actions[0]!.value;
  // The results are a reply in the session's thread: the file goes beside them.
  const thread = click.container.thread_ts ?? click.container.message_ts;
  let file;
  try {
    file = await ctx.sessions.export(sessionId, 'md', { pageUrl: ctx.linkFor(sessionId) });
  } catch (err) {
    if (!isAppError(err)) throw err;
    await ctx.client.chat.postEphemeral({ channel: click.channel.id, user: click.user.id, text: `❌ ${escapeMrkdwn(err.userMessage)}`, thread_ts: thread });
    return;
  }
  ctx.log.info({ sessionId }, 'slack notes uploaded as markdown');
  await ctx.client.files.uploadV2({ channel_id: click.channel.id, thread_ts: thread, filename: file.filename, title: file.filename, content: file.body });
}
