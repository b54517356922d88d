import type { AckFn, ViewResponseAction } from '@slack/bolt';
import { z } from 'zod';
import { isAppError } from '../../../../core/errors.js';
import { NAME_INPUT, typedNameChanges } from '../../blocks/speaker-names-modal.js';
import { ensureMayChange } from '../../../may-change.js';
import { chatUser, type SlackContext } from '../../context.js';

const submissionSchema = z.object({
  team: z.object({ id: z.string() }),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  view: z.object({
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))) }),
  }),
});

/**
 * The speaker names modal, submitted: what changed is saved through the speakers service before Slack's
 * 3 s are up (a refusal is shown in the modal, by the first field), then the results are re-rendered.
 */
export async function handleSpeakerNames(ctx: SlackContext, body: unknown, ack: AckFn<ViewResponseAction>): Promise<void> {
  const { team, user, view } = submissionSchema.parse(body);
  const sessionId = view.private_metadata;
  const values = Object.fromEntries(Object.entries(view.state.values).map(([label, inputs]) => [label, inputs[NAME_INPUT]?.value ?? null]));
  try {
    await ensureMayChange(ctx, sessionId, chatUser(team.id, user.id));
    const [names, members] = await Promise.all([ctx.speakers.names(sessionId), ctx.speakers.members(sessionId)]);
    const changes = typedNameChanges(values, names, members);
    if (Object.keys(changes).length > 0) await ctx.speakers.nameSpeakers(sessionId, changes, user.username ?? user.name ?? user.id);
  } catch (err) {
    if (!isAppError(err)) throw err;
    await ack({ response_action: 'errors', errors: { [Object.keys(values)[0] ?? '']: err.userMessage } });
    return;
  }
  await ack();
  await ctx.todosChanged(sessionId);
}
