import type { Message } from 'discord.js';
import { NO_MENTIONS } from '../components/text.js';
import { chatUser, type DiscordContext } from '../context.js';
import { isMediaAttachment, oversize } from './attachments.js';
import { startInThread } from './start-session.js';

/**
 * A video or audio attachment dropped in a channel: one session per recording, started at once because
 * attachment URLs are signed and expire. Other files are none of our business: no reply.
 */
export async function handleFileDrop(ctx: DiscordContext, message: Message): Promise<void> {
  if (message.author.bot || !message.inGuild()) return;
  for (const attachment of message.attachments.values()) {
    if (!isMediaAttachment(attachment)) continue;
    const refused = oversize(attachment, ctx.maxMediaBytes);
    if (refused) {
      await ctx.platform.post(message.channelId, {
        content: `❌ ${attachment.name}: ${refused.userMessage}`,
        message_reference: { message_id: message.id, fail_if_not_exists: false },
        allowed_mentions: NO_MENTIONS,
      });
      continue;
    }
    const { session } = await startInThread(ctx, {
      guildId: message.guildId,
      channelId: message.channelId,
      inThread: message.channel.isThread(),
      user: chatUser(message.guildId, message.author),
      source: { kind: 'link', url: attachment.url },
      filename: attachment.name,
      replyTo: message.id,
    });
    ctx.log.info({ sessionId: session.id, guildId: message.guildId }, 'discord file drop started a session');
  }
}
