import { Events, type Client } from 'discord.js';
import { parseMarkdownButtonId } from '../components/markdown-button.js';
import { parseRegenerateId } from '../components/regenerate.js';
import { parseRetryButtonId } from '../components/retry-button.js';
import { parseTodoButtonId } from '../components/todo-button.js';
import { parseAddButtonId, parseEditButtonId, parseTodoFormId } from '../components/todo-modal.js';
import { parseSpeakerComponentId } from '../components/who-spoke.js';
import type { DiscordContext } from '../context.js';
import { WHISPER_COMMAND } from '../register-commands.js';
import { handleFileDrop } from './file-drop.js';
import { handleMarkdownClick } from './markdown-click.js';
import { handleMention } from './mention.js';
import { handleRegenerateClick, handleRegenerateSubmit } from './regenerate.js';
import { handleRetryClick } from './retry-click.js';
import { handleAddTodoClick, handleTodoEditClick } from './todo-edit.js';
import { handleTodoFormSubmit } from './todo-form.js';
import { handleSpeakerPick } from './speaker-pick.js';
import { handleTodoToggle } from './todo-toggle.js';
import { handleWhisperCommand } from './whisper-command.js';

/** Every gateway event the bot acts on, by its Discord name. A failing handler is logged, never fatal. */
export function registerHandlers(client: Client, ctx: DiscordContext): void {
  const run = (what: string, work: () => Promise<void>) => {
    work().catch((err: unknown) => ctx.log.error({ err }, `discord ${what} failed`));
  };

  client.on(Events.MessageCreate, (message) => {
    run('file drop', () => handleFileDrop(ctx, message));
    run('mention', () => handleMention(ctx, message));
  });

  client.on(Events.InteractionCreate, (interaction) => {
    if (interaction.isChatInputCommand() && interaction.commandName === WHISPER_COMMAND) {
      run('/whisper', () => handleWhisperCommand(ctx, interaction));
    } else if (interaction.isButton()) {
      const toggle = parseTodoButtonId(interaction.customId);
      if (toggle) run('todo toggle', () => handleTodoToggle(ctx, interaction, toggle));
      const edit = parseEditButtonId(interaction.customId);
      if (edit) run('todo edit', () => handleTodoEditClick(ctx, interaction, edit));
      const add = parseAddButtonId(interaction.customId);
      if (add) run('todo add', () => handleAddTodoClick(interaction, add));
      const retry = parseRetryButtonId(interaction.customId);
      if (retry) run('retry', () => handleRetryClick(ctx, interaction, retry));
      const markdown = parseMarkdownButtonId(interaction.customId);
      if (markdown) run('notes as markdown', () => handleMarkdownClick(ctx, interaction, markdown));
      const suggestion = parseSpeakerComponentId(interaction.customId);
      if (suggestion?.ref) run('speaker suggestion', () => handleSpeakerPick(ctx, interaction, suggestion));
      const regenerate = parseRegenerateId(interaction.customId);
      if (regenerate) run('regenerate', () => handleRegenerateClick(ctx, interaction, regenerate));
    } else if (interaction.isModalSubmit()) {
      const form = parseTodoFormId(interaction.customId);
      if (form) run('todo form', () => handleTodoFormSubmit(ctx, interaction, form));
      const regenerate = parseRegenerateId(interaction.customId);
      if (regenerate) run('regenerate form', () => handleRegenerateSubmit(ctx, interaction, regenerate));
    } else if (interaction.isUserSelectMenu()) {
      const speaker = parseSpeakerComponentId(interaction.customId);
      if (speaker && !speaker.ref) run('speaker pick', () => handleSpeakerPick(ctx, interaction, speaker));
    }
  });
}
