import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { isAppError } from '../../../core/errors.js';
import { findTodo } from '../../../core/todos/todo.service.js';
import { fieldsOf, formOf, meetingTodos } from '../../todo-form.js';
import { NO_MENTIONS } from '../components/text.js';
import { todoModal, type TodoRef } from '../components/todo-modal.js';
import type { DiscordContext } from '../context.js';

/**
 * A todo's Edit button: answered with its form (a modal, Discord's first answer to the click, within 3 s),
 * filled with what the todo holds now. A todo or meeting gone meanwhile is said to whoever clicked alone.
 */
export async function handleTodoEditClick(ctx: DiscordContext, interaction: ButtonInteraction, ref: TodoRef): Promise<void> {
  try {
    const meeting = await meetingTodos(ctx, ref.sessionId);
    const todo = findTodo(meeting, ref.todoId);
    await interaction.showModal(todoModal({ kind: 'edit', ref, fields: fieldsOf(todo), shown: formOf(todo, meeting.names) }));
  } catch (err) {
    if (!isAppError(err)) throw err;
    await interaction.reply({ content: `❌ ${err.userMessage}`, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  }
}

/** "Add a todo": answered with the empty form. */
export async function handleAddTodoClick(interaction: ButtonInteraction, sessionId: string): Promise<void> {
  await interaction.showModal(todoModal({ kind: 'add', sessionId }));
}
