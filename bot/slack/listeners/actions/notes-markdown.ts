import type { RespondFn } from '@slack/bolt';
import { z } from 'zod';
import { isAppError } from '../../../../core/errors.js';
import { escapeMrkdwn } from '../../blocks/text.js';
import type { SlackContext } from '../../context.js';
import { clickSchema, tellClicker } from './click.js';

const markdownClickSchema = clickSchema.extend({
  channel: z.object({ id: z.string() }),
  container: z.object({ message_ts: z.string(), thread_ts: z.string().optional() }),
  actions: z.array(z.object({ value: z.uuid() })).length(1),
});

/**
 * A click on "Notes as Markdown" under the results, after the ack: the notes are exported as the page's
 * download is (docs/architecture.md#exports) and uploaded into the thread (`files.uploadV2`). A meeting that
 * cannot be exported is answered to whoever clicked alone, in the service's words, through the action's
 * response URL (tellClicker).
 */
export async function handleMarkdownClick(ctx: SlackContext, body: unknown, respond: RespondFn): Promise<void> {
  const click = markdownClickSchema.parse(body);
  const sessionId = click.actions[0]!.value;
  // The results are a reply in the session's thread: the file goes beside them.
  const thread = click.container.thread_ts ?? click.container.message_ts;
  let file;
  try {
    file = await ctx.sessions.export(sessionId, 'md', { pageUrl: ctx.linkFor(sessionId) });
  } catch (err) {
    if (!isAppError(err)) throw err;
    await tellClicker(respond, `❌ ${escapeMrkdwn(err.userMessage)}`);
    return;
  }
  ctx.log.info({ sessionId }, 'slack notes uploaded as markdown');
  await ctx.client.files.uploadV2({ channel_id: click.channel.id, thread_ts: thread, filename: file.filename, title: file.filename, content: file.body });
}
