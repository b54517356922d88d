import { MessageFlags, type ModalSubmitInteraction } from 'discord.js';
import { isAppError } from '../../../core/errors.js';
import { findTodo } from '../../../core/todos/todo.service.js';
import { changeTodo, meetingTodos, typedFields, type TodoChange } from '../../todo-form.js';
import { escapeMarkdown, NO_MENTIONS } from '../components/text.js';
import { REMOVE_WORD, seenFrom, TODO_FIELDS, typedPriority, type TodoFormRef } from '../components/todo-modal.js';
import { chatUser, type DiscordContext } from '../context.js';

/**
 * A submitted todo form: deferred at once (ephemeral), then the edit (with what the editor saw, so a field
 * someone else changed meanwhile is refused, not overwritten), the removal asked for in words, or the new
 * todo is saved; whoever sent it is told, alone, then every message showing the list is re-rendered.
 */
export async function handleTodoFormSubmit(ctx: DiscordContext, interaction: ModalSubmitInteraction, form: TodoFormRef): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const text = (field: string) => interaction.fields.getTextInputValue(field);
  const by = interaction.user.username;
  const user = chatUser(interaction.guildId!, interaction.user);
  let reply: string;
  try {
    const meeting = await meetingTodos(ctx, form.sessionId);
    if (form.kind === 'edit' && text(TODO_FIELDS.remove).trim().toLowerCase() === REMOVE_WORD) {
      const removed = await changeTodo(ctx, { kind: 'remove', sessionId: form.sessionId, todoId: form.todoId }, user, by);
      reply = `🗑️ Removed “${escapeMarkdown(removed.task)}”.`;
    } else {
      const fields = typedFields({ task: text(TODO_FIELDS.task), owner: text(TODO_FIELDS.owner), due: text(TODO_FIELDS.due), priority: typedPriority(text(TODO_FIELDS.priority)) }, meeting);
      const change: TodoChange =
        form.kind === 'edit'
          ? { kind: 'edit', sessionId: form.sessionId, todoId: form.todoId, fields, seen: seenFrom(form.shown, fields, findTodo(meeting, form.todoId)) }
          : { kind: 'add', sessionId: form.sessionId, fields };
      const saved = await changeTodo(ctx, change, user, by);
      reply = `${form.kind === 'edit' ? '✏️ Saved' : '➕ Added'} “${escapeMarkdown(saved.task)}”.`;
    }
  } catch (err) {
    if (!isAppError(err)) throw err;
    await interaction.editReply({ content: `❌ ${err.userMessage}`, allowedMentions: NO_MENTIONS });
    return;
  }
  await interaction.editReply({ content: reply, allowedMentions: NO_MENTIONS });
  await ctx.todosChanged(form.sessionId);
}
