import { MessageFlags, type ButtonInteraction, type UserSelectMenuInteraction } from 'discord.js';
import { isAppError } from '../../../core/errors.js';
import { ensureMayChange } from '../../may-change.js';
import { pickMember, takeSuggestion } from '../../speaker-choices.js';
import { NO_MENTIONS } from '../components/text.js';
import type { SpeakerComponent } from '../components/who-spoke.js';
import { chatUser, type DiscordContext } from '../context.js';

/**
 * A member picked in a "Who spoke?" user select, or a suggestion's button: acknowledged at once (Discord
 * waits 3 s), the speaker named (a member under the name the guild shows for them), then the results
 * re-rendered: the todos mention the member, and the "Who spoke?" message shows who was chosen.
 */
export async function handleSpeakerPick(ctx: DiscordContext, interaction: UserSelectMenuInteraction | ButtonInteraction, at: SpeakerComponent): Promise<void> {
  await interaction.deferUpdate();
  const by = interaction.user.username;
  const guildId = interaction.guildId;
  const deps = { speakers: ctx.speakers, memberName: (id: string) => ctx.platform.memberName(guildId, id) };
  try {
    await ensureMayChange(ctx, at.sessionId, chatUser(guildId!, interaction.user));
    if (interaction.isUserSelectMenu()) {
      const [memberId] = interaction.values;
      if (!memberId) return;
      // The name is the guild's for the member, as the profile refresh reads it (GET guild member).
      await pickMember(deps, at, memberId, null, by);
    } else if (!at.ref || !(await takeSuggestion(deps, at, at.ref, by))) {
      return;
    }
  } catch (err) {
    if (!isAppError(err)) throw err;
    await interaction.followUp({ content: `❌ ${err.userMessage}`, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    return;
  }
  await ctx.todosChanged(at.sessionId);
}
