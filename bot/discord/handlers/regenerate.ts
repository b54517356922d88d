import { MessageFlags, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import { regenerateFromChat, regenerateRefusal, REGENERATING, refusalOf } from '../../regenerate.js';
import { INSTRUCTION_INPUT, MODEL_INPUT, regenerateModal } from '../components/regenerate.js';
import { NO_MENTIONS } from '../components/text.js';
import { chatUser, type DiscordContext } from '../context.js';

/**
 * The Regenerate button of a results message: the modal is the answer (Discord allows no deferring before
 * one), or, to someone who may not change the session's notes, the refusal for them alone.
 */
export async function handleRegenerateClick(ctx: DiscordContext, interaction: ButtonInteraction, sessionId: string): Promise<void> {
  const refused = await regenerateRefusal(ctx, sessionId, chatUser(interaction.guildId!, interaction.user));
  if (refused) {
    ctx.log.info({ sessionId }, 'discord regenerate refused');
    await interaction.reply({ content: refused, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    return;
  }
  await interaction.showModal(regenerateModal(sessionId));
}

/**
 * The modal submitted: deferred at once, asked again whether the person may (they may have left the channel
 * since), decided by the notes service, answered to the person alone; the results message is edited when
 * the new version is stored (ThreadNotifier).
 */
export async function handleRegenerateSubmit(ctx: DiscordContext, interaction: ModalSubmitInteraction, sessionId: string): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const value = (id: string) => interaction.fields.getTextInputValue(id);
  const request = { instruction: value(INSTRUCTION_INPUT), model: value(MODEL_INPUT) };
  let reply = REGENERATING;
  try {
    await regenerateFromChat(ctx, sessionId, request, chatUser(interaction.guildId!, interaction.user), interaction.user.username);
  } catch (err) {
    reply = refusalOf(err);
  }
  ctx.log.info({ sessionId, refused: reply !== REGENERATING }, 'discord regenerate submitted');
  await interaction.editReply({ content: reply, allowedMentions: NO_MENTIONS });
}
