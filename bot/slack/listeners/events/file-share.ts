import { z } from 'zod';
import { displayName } from '../../../../core/domain/display-name.js';
import { isAppError } from '../../../../core/errors.js';
import { tooLarge } from '../../../../core/ingest/byte-limit.js';
import { escapeMrkdwn } from '../../blocks/text.js';
import { chatUser, type SlackContext } from '../../context.js';
import { isMediaFile, resolveFile, slackFileSchema } from '../../files.js';
import { startInThread } from '../../start-session.js';

/** A `message` event of subtype `file_share`. */
export const fileShareSchema = z.object({
  type: z.literal('message'),
  subtype: z.literal('file_share'),
  channel: z.string(),
  user: z.string(),
  ts: z.string(),
  thread_ts: z.string().optional(),
  bot_id: z.string().optional(),
  files: z.array(slackFileSchema).min(1),
});
export type FileShare = z.infer<typeof fileShareSchema>;

/**
 * Video or audio shared in a channel the bot is in: one session per file, downloaded with the bot token
 * through ingest (the safe fetcher drops the token on a redirect to another origin). Other files are none
 * of our business: no reply. A file over the cap is refused before any byte is downloaded. An event is
 * acted on once: Slack's retries of it and replays of its signed request carry the same `event_id`.
 */
export async function handleFileShare(ctx: SlackContext, envelope: { team_id: string; event_id: string }, share: FileShare): Promise<void> {
  const teamId = envelope.team_id;
  if (share.bot_id) return; // another app's upload, not a person's recording
  if (!(await ctx.claims.claim(`slack:event:${envelope.event_id}`))) {
    ctx.log.info({ teamId, eventId: envelope.event_id }, 'slack file share delivered again; already handled');
    return;
  }
  for (const stub of share.files) {
    try {
      const file = await resolveFile(ctx.client, stub);
      if (!isMediaFile(file)) continue;
      const name = displayName(file.name) ?? 'recording';
      if (file.size !== undefined && file.size > ctx.maxMediaBytes) {
        const refused = tooLarge(ctx.maxMediaBytes, file.size);
        await ctx.platform.post(share.channel, { text: `❌ ${escapeMrkdwn(name)}: ${refused.userMessage}` }, share.thread_ts ?? share.ts);
        continue;
      }
      const { session } = await startInThread(ctx, {
        teamId,
        channelId: share.channel,
        threadTs: share.thread_ts ?? null,
        user: chatUser(teamId, share.user),
        source: { kind: 'link', url: file.url_private_download, headers: { authorization: `Bearer ${ctx.botToken}` } },
        filename: name,
      });
      ctx.log.info({ sessionId: session.id, teamId, file: file.id }, 'slack file share started a session');
    } catch (err) {
      // A refusal (too many at once) already stands in the status message, in the person's words.
      if (isAppError(err)) ctx.log.info({ code: err.code, teamId, file: stub.id }, 'slack file share refused');
      else ctx.log.error({ err, teamId, file: stub.id }, 'slack file share not handled');
    }
  }
}
