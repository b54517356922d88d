import type { App, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { OPEN_PAGE_ACTION, RETRY_ACTION } from '../blocks/status-message.js';
import { MARKDOWN_ACTION } from '../blocks/results-messages.js';
import { REGENERATE_ACTION, REGENERATE_VIEW } from '../blocks/regenerate-modal.js';
import { TODO_ACTION } from '../blocks/todo-checkboxes.js';
import { TODO_ADD_ACTION, TODO_MENU_ACTION } from '../blocks/todo-menu.js';
import { TODO_ADD_VIEW, TODO_EDIT_VIEW } from '../blocks/todo-modal.js';
import { NAMES_VIEW, TYPE_NAMES_ACTION } from '../blocks/speaker-names-modal.js';
import { SPEAKER_ACTION, SUGGEST_ACTION } from '../blocks/who-spoke.js';
import type { SlackContext } from '../context.js';
import { handleRegenerateClick, handleRegenerateSubmit } from './actions/regenerate.js';
import { handleAddTodoClick } from './actions/add-todo.js';
import { handleMarkdownClick } from './actions/notes-markdown.js';
import { handleRetryClick } from './actions/retry-button.js';
import { handleSpeakerPick } from './actions/speaker-pick.js';
import { handleTypeNamesClick } from './actions/type-names-button.js';
import { handleSpeakerNames } from './views/speaker-names.js';
import { handleTodoChecks } from './actions/todo-checkboxes.js';
import { handleTodoMenu } from './actions/todo-menu.js';
import { handleWhisperCommand, WHISPER_COMMAND } from './commands/whisper.js';
import { fileShareSchema, handleFileShare } from './events/file-share.js';
import { handleMention, mentionSchema } from './events/mention.js';
import { handleTodoFormSubmit } from './views/todo-form.js';

/** The event callback around an event: `event_id` is the same on each of Slack's retries of it. */
const envelopeSchema = z.object({ team_id: z.string(), event_id: z.string() });

/**
 * Every Slack request the bot acts on, by its Slack name. Commands and actions are acknowledged first
 * (Slack waits 3 s), the work comes after; events are acknowledged by Bolt before listeners run. A submitted
 * form is acknowledged once saved, since the acknowledgement carries the form's errors.
 */
export function registerListeners(app: App, ctx: SlackContext): void {
  app.command(WHISPER_COMMAND, async ({ ack, command, respond }) => {
    await ack();
    await handleWhisperCommand(ctx, command, respond);
  });

  app.event('message', async ({ event, body }) => {
    const share = fileShareSchema.safeParse(event);
    if (share.success) await handleFileShare(ctx, envelopeSchema.parse(body), share.data);
  });

  app.event('app_mention', async ({ event, body }) => {
    const mention = mentionSchema.safeParse(event);
    if (mention.success) await handleMention(ctx, envelopeSchema.parse(body), mention.data);
  });

  app.action({ type: 'block_actions', action_id: TODO_ACTION }, async ({ ack, body }) => {
    await ack();
    await handleTodoChecks(ctx, body);
  });

  app.action({ type: 'block_actions', action_id: TODO_MENU_ACTION }, async ({ ack, body, respond }) => {
    await ack();
    await handleTodoMenu(ctx, body, respond);
  });

  app.action({ type: 'block_actions', action_id: TODO_ADD_ACTION }, async ({ ack, body }) => {
    await ack();
    await handleAddTodoClick(ctx, body);
  });

  for (const callbackId of [TODO_EDIT_VIEW, TODO_ADD_VIEW]) {
    app.view({ type: 'view_submission', callback_id: callbackId }, async ({ ack, body }) => handleTodoFormSubmit(ctx, body, (answer) => ack(answer)));
  }

  app.action({ type: 'block_actions', action_id: RETRY_ACTION }, async ({ ack, body, respond }) => {
    await ack();
    await handleRetryClick(ctx, body, respond);
  });

  app.action({ type: 'block_actions', action_id: MARKDOWN_ACTION }, async ({ ack, body, respond }) => {
    await ack();
    await handleMarkdownClick(ctx, body, respond);
  });

  for (const action_id of [SPEAKER_ACTION, SUGGEST_ACTION]) {
    app.action({ type: 'block_actions', action_id }, async ({ ack, body, respond }) => {
      await ack();
      await handleSpeakerPick(ctx, body, respond);
    });
  }

  app.action({ type: 'block_actions', action_id: TYPE_NAMES_ACTION }, async ({ ack, body }) => {
    await ack();
    await handleTypeNamesClick(ctx, body);
  });

  // Answered (acknowledged) by the handler: a refused name is shown in the modal, next to its field.
  app.view<ViewSubmitAction>(NAMES_VIEW, async ({ ack, body }) => handleSpeakerNames(ctx, body, ack));

  app.action({ type: 'block_actions', action_id: REGENERATE_ACTION }, async ({ ack, body, respond }) => {
    await ack();
    await handleRegenerateClick(ctx, body, respond);
  });

  // Answered once the regeneration is asked for: a refusal shows in the form, else it closes.
  app.view({ type: 'view_submission', callback_id: REGENERATE_VIEW }, async ({ ack, body }) => handleRegenerateSubmit(ctx, body, (answer) => ack(answer)));

  // A link button opens its URL in the browser; Slack still reports the click, and wants it acknowledged.
  app.action(OPEN_PAGE_ACTION, async ({ ack }) => ack());

  app.error((err) => Promise.resolve(ctx.log.error({ err }, 'slack listener failed')));
}
