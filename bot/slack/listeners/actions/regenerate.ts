import { z } from 'zod';
import { regenerateFromChat } from '../../../regenerate.js';
import { INPUT_ACTION, INSTRUCTION_BLOCK, MODEL_BLOCK, parseRegenerateTarget, regenerateModal } from '../../blocks/regenerate-modal.js';
import type { SlackContext } from '../../context.js';

const regenerateClickSchema = z.object({
  trigger_id: z.string(),
  channel: z.object({ id: z.string() }),
  container: z.object({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  actions: z.array(z.object({ value: z.string() })).length(1),
});

const inputSchema = z.object({ value: z.string().nullable().optional() }).optional();

const submissionSchema = z.object({
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  view: z.object({
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), inputSchema)) }),
  }),
});

/** A click on a results message's Regenerate button, after the ack: opens the form (the trigger lives 3 s). */
export async function handleRegenerateClick(ctx: SlackContext, body: unknown): Promise<void> {
  const click = regenerateClickSchema.parse(body);
  const threadTs = click.container?.thread_ts ?? click.container?.message_ts ?? null;
  await ctx.client.views.open({ trigger_id: click.trigger_id, view: regenerateModal({ sessionId: click.actions[0]!.value, channel: click.channel.id, threadTs }) });
}

/**
 * The form submitted, after the ack: the notes service decides, and the answer goes to the person alone in
 * the thread; the results message is edited when the new version is stored (ThreadNotifier).
 */
export async function handleRegenerateSubmit(ctx: SlackContext, body: unknown): Promise<void> {
  const submission = submissionSchema.parse(body);
  const target = parseRegenerateTarget(submission.view.private_metadata);
  if (!target) throw new Error('regenerate form without its session');
  const value = (block: string) => submission.view.state.values[block]?.[INPUT_ACTION]?.value ?? null;
  const by = submission.user.username ?? submission.user.name ?? submission.user.id;
  const reply = await regenerateFromChat(ctx.notes, target.sessionId, { instruction: value(INSTRUCTION_BLOCK), model: value(MODEL_BLOCK) }, by);
  ctx.log.info({ sessionId: target.sessionId }, 'slack regenerate submitted');
  await ctx.client.chat.postEphemeral({ channel: target.channel, user: submission.user.id, text: reply, ...(target.threadTs && { thread_ts: target.threadTs }) });
}
