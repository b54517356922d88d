import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { isAppError } from '../../../core/errors.js';
import { NO_MENTIONS } from '../components/text.js';
import type { TodoToggle } from '../components/todo-button.js';
import type { DiscordContext } from '../context.js';

/**
 * A ✅/⬜ button: acknowledged at once (Discord waits 3 s), saved through the todo service, then every
 * message showing the session's todos is re-rendered.
 */
export async function handleTodoToggle(ctx: DiscordContext, interaction: ButtonInteraction, toggle: TodoToggle): Promise<void> {
  await interaction.deferUpdate();
  try {
    await ctx.todos.setCompleted(toggle.sessionId, toggle.todoId, toggle.completed, interaction.user.username);
  } catch (err) {
    if (!isAppError(err)) throw err;
    await interaction.followUp({ content: `❌ ${err.userMessage}`, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    return;
  }
  await ctx.todosChanged(toggle.sessionId);
}
