import type { RespondFn } from '@slack/bolt';
import { z } from 'zod';
import { regenerateFromChat, regenerateRefusal, REGENERATING, refusalOf } from '../../../regenerate.js';
import { INPUT_ACTION, INSTRUCTION_BLOCK, MODEL_BLOCK, parseRegenerateTarget, regenerateModal } from '../../blocks/regenerate-modal.js';
import { chatUser, type SlackContext } from '../../context.js';
import type { FormAnswer } from '../views/todo-form.js';
import { clickSchema, personOf, tellClicker } from './click.js';

const regenerateClickSchema = clickSchema.extend({
  channel: z.object({ id: z.string() }),
  actions: z.array(z.object({ value: z.string() })).length(1),
});

const inputSchema = z.object({ value: z.string().nullable().optional() }).optional();

const submissionSchema = z.object({
  team: z.object({ id: z.string() }),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  view: z.object({
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), inputSchema)) }),
  }),
});

/**
 * A click on a results message's Regenerate button, after the ack: opens the form (the trigger lives 3 s),
 * or tells someone who may not change the session's notes so, alone, through the action's response URL.
 */
export async function handleRegenerateClick(ctx: SlackContext, body: unknown, respond: RespondFn): Promise<void> {
  const click = regenerateClickSchema.parse(body);
  const sessionId = click.actions[0]!.value;
  const refused = await regenerateRefusal(ctx, sessionId, chatUser(click.team.id, click.user.id, personOf(click.user)));
  if (refused) {
    ctx.log.info({ sessionId }, 'slack regenerate refused');
    await tellClicker(respond, refused);
    return;
  }
  const threadTs = click.container?.thread_ts ?? click.container?.message_ts ?? null;
  await ctx.client.views.open({ trigger_id: click.trigger_id, view: regenerateModal({ sessionId, channel: click.channel.id, threadTs }) });
}

/**
 * The form submitted: the regeneration is asked for before Slack is answered (`answer`, within its 3
 * seconds), so a refusal (not allowed, not finished, too long) shows in the form itself and nothing is
 * queued; once queued the form closes and the person alone is told in the thread. The results message is
 * edited when the new version is stored (ThreadNotifier).
 */
export async function handleRegenerateSubmit(ctx: SlackContext, body: unknown, answer: (a: FormAnswer) => Promise<void>): Promise<void> {
  const submission = submissionSchema.parse(body);
  const target = parseRegenerateTarget(submission.view.private_metadata);
  if (!target) throw new Error('regenerate form without its session');
  const value = (block: string) => submission.view.state.values[block]?.[INPUT_ACTION]?.value ?? null;
  const by = personOf(submission.user);
  try {
    await regenerateFromChat(ctx, target.sessionId, { instruction: value(INSTRUCTION_BLOCK), model: value(MODEL_BLOCK) }, chatUser(submission.team.id, submission.user.id, by), by);
  } catch (err) {
    const refused = refusalOf(err);
    ctx.log.info({ sessionId: target.sessionId }, 'slack regenerate refused');
    await answer({ response_action: 'errors', errors: { [INSTRUCTION_BLOCK]: refused } });
    return;
  }
  await answer(undefined);
  ctx.log.info({ sessionId: target.sessionId }, 'slack regenerate submitted');
  await ctx.client.chat.postEphemeral({ channel: target.channel, user: submission.user.id, text: REGENERATING, ...(target.threadTs && { thread_ts: target.threadTs }) });
}
