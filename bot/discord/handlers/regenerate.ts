import { MessageFlags, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import { regenerateFromChat } from '../../regenerate.js';
import { INSTRUCTION_INPUT, MODEL_INPUT, regenerateModal } from '../components/regenerate.js';
import { NO_MENTIONS } from '../components/text.js';
import type { DiscordContext } from '../context.js';

/** The Regenerate button of a results message: the modal is the answer (Discord allows no deferring before one). */
export async function handleRegenerateClick(interaction: ButtonInteraction, sessionId: string): Promise<void> {
  await interaction.showModal(regenerateModal(sessionId));
}

/**
 * The modal submitted: deferred at once, decided by the notes service, answered to the person alone; the
 * results message is edited when the new version is stored (ThreadNotifier).
 */
export async function handleRegenerateSubmit(ctx: DiscordContext, interaction: ModalSubmitInteraction, sessionId: string): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const value = (id: string) => interaction.fields.getTextInputValue(id);
  const reply = await regenerateFromChat(ctx.notes, sessionId, { instruction: value(INSTRUCTION_INPUT), model: value(MODEL_INPUT) }, interaction.user.username);
  ctx.log.info({ sessionId }, 'discord regenerate submitted');
  await interaction.editReply({ content: reply, allowedMentions: NO_MENTIONS });
}
