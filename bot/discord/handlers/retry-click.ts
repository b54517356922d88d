import { MessageFlags, PermissionFlagsBits, type ButtonInteraction } from 'discord.js';
import { retryReply } from '../../commands.js';
import { mayRetry } from '../../may-change.js';
import { escapeMarkdown, NO_MENTIONS } from '../components/text.js';
import { chatUser, type DiscordContext } from '../context.js';

/**
 * The Retry button of a failed session's status message: deferred at once (Discord waits 3 s), allowed to
 * the uploader, whoever may view the session's channel, or a member with Manage Messages (mayRetry),
 * answered to whoever clicked alone. The status message shows the session running again as its progress
 * comes in.
 */
export async function handleRetryClick(ctx: DiscordContext, interaction: ButtonInteraction, sessionId: string): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  if (!interaction.inGuild()) return;
  const user = chatUser(interaction.guildId, interaction.user);
  const isModerator = interaction.memberPermissions.has(PermissionFlagsBits.ManageMessages);
  const result = await ctx.sessions.retry(sessionId, mayRetry(ctx, user, () => Promise.resolve(isModerator)));
  ctx.log.info({ sessionId, outcome: result.outcome }, 'discord retry clicked');
  await interaction.editReply({ content: retryReply(sessionId, result, escapeMarkdown), allowedMentions: NO_MENTIONS });
}
