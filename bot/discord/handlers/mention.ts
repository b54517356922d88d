import type { Message } from 'discord.js';
import { answerInThread, questionOf } from '../../questions.js';
import { discordLink, escapeMarkdown, MAX_CONTENT, NO_MENTIONS } from '../components/text.js';
import type { DiscordContext } from '../context.js';

/**
 * "@Whisper what did we decide about pricing?" in a meeting's thread: answered there, replying to the
 * question, from that meeting (docs/architecture.md#questions). A mention elsewhere is told where to ask.
 * Acted on once: every gateway session of the bot's token receives the message.
 */
export async function handleMention(ctx: DiscordContext, message: Message): Promise<void> {
  if (message.author.bot || !message.inGuild() || !message.mentions.users.has(message.client.user.id)) return;
  if (!(await ctx.claims.claim(`discord:mention:${message.id}`))) return;
  // A session's thread is a channel of its own, with an id no other channel has.
  const place = { platform: 'discord' as const, workspaceId: message.guildId, channelId: null, threadRef: message.channelId };
  const text = await answerInThread(ctx, place, questionOf(message.content), message.author.username, { formatLink: discordLink, escapeText: escapeMarkdown });
  await ctx.platform.post(message.channelId, {
    content: text.slice(0, MAX_CONTENT),
    message_reference: { message_id: message.id, fail_if_not_exists: false },
    allowed_mentions: NO_MENTIONS,
  });
}
