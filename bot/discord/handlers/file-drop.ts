import type { Message } from 'discord.js';
import { displayName } from '../../../core/domain/display-name.js';
import { isAppError } from '../../../core/errors.js';
import { escapeMarkdown, NO_MENTIONS } from '../components/text.js';
import { chatUser, type DiscordContext } from '../context.js';
import { isMediaAttachment, oversize } from './attachments.js';
import { startInThread } from './start-session.js';

/**
 * A video or audio attachment dropped in a channel: one session per recording, started at once because
 * attachment URLs are signed and expire. Other files are none of our business: no reply. A message is
 * acted on once: every gateway session of the bot's token (each replica) receives it.
 */
export async function handleFileDrop(ctx: DiscordContext, message: Message): Promise<void> {
  if (message.author.bot || !message.inGuild()) return;
  const recordings = [...message.attachments.values()].filter(isMediaAttachment);
  if (recordings.length === 0) return;
  if (!(await ctx.claims.claim(`discord:message:${message.id}`))) {
    ctx.log.info({ messageId: message.id, guildId: message.guildId }, 'discord file drop seen again; already handled');
    return;
  }
  for (const attachment of recordings) {
    const name = displayName(attachment.name) ?? 'recording';
    const refused = oversize(attachment, ctx.maxMediaBytes);
    if (refused) {
      await ctx.platform.post(message.channelId, {
        content: `❌ ${escapeMarkdown(name)}: ${refused.userMessage}`,
        message_reference: { message_id: message.id, fail_if_not_exists: false },
        allowed_mentions: NO_MENTIONS,
      });
      continue;
    }
    try {
      const { session } = await startInThread(ctx, {
        guildId: message.guildId,
        channelId: message.channelId,
        inThread: message.channel.isThread(),
        user: chatUser(message.guildId, message.author),
        source: { kind: 'link', url: attachment.url },
        filename: name,
        replyTo: message.id,
      });
      ctx.log.info({ sessionId: session.id, guildId: message.guildId }, 'discord file drop started a session');
    } catch (err) {
      // A refusal (too many at once) already stands in the status message, in the person's words.
      if (!isAppError(err)) throw err;
      ctx.log.info({ code: err.code, guildId: message.guildId }, 'discord file drop refused');
    }
  }
}
