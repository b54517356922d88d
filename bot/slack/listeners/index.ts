import type { App } from '@slack/bolt';
import { z } from 'zod';
import { OPEN_PAGE_ACTION, RETRY_ACTION } from '../blocks/status-message.js';
import { REGENERATE_ACTION, REGENERATE_VIEW } from '../blocks/regenerate-modal.js';
import { TODO_ACTION } from '../blocks/todo-checkboxes.js';
import type { SlackContext } from '../context.js';
import { handleRegenerateClick, handleRegenerateSubmit } from './actions/regenerate.js';
import { handleRetryClick } from './actions/retry-button.js';
import { handleTodoChecks } from './actions/todo-checkboxes.js';
import { handleWhisperCommand, WHISPER_COMMAND } from './commands/whisper.js';
import { fileShareSchema, handleFileShare } from './events/file-share.js';

/** The event callback around an event: `event_id` is the same on each of Slack's retries of it. */
const envelopeSchema = z.object({ team_id: z.string(), event_id: z.string() });

/**
 * Every Slack request the bot acts on, by its Slack name. Commands and actions are acknowledged first
 * (Slack waits 3 s), the work comes after; events are acknowledged by Bolt before listeners run.
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

  app.action({ type: 'block_actions', action_id: TODO_ACTION }, async ({ ack, body }) => {
    await ack();
    await handleTodoChecks(ctx, body);
  });

  app.action({ type: 'block_actions', action_id: RETRY_ACTION }, async ({ ack, body }) => {
    await ack();
    await handleRetryClick(ctx, body);
  });

  app.action({ type: 'block_actions', action_id: REGENERATE_ACTION }, async ({ ack, body }) => {
    await ack();
    await handleRegenerateClick(ctx, body);
  });

  // The modal closes on the ack; the answer follows in the thread.
  app.view(REGENERATE_VIEW, async ({ ack, body }) => {
    await ack();
    await handleRegenerateSubmit(ctx, body);
  });

  // A link button opens its URL in the browser; Slack still reports the click, and wants it acknowledged.
  app.action(OPEN_PAGE_ACTION, async ({ ack }) => ack());

  app.error((err) => Promise.resolve(ctx.log.error({ err }, 'slack listener failed')));
}
