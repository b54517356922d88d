import { z } from 'zod';
import { speakerSamples } from '../../../../core/domain/speaker-members.js';
import { speakerNamesModal } from '../../blocks/speaker-names-modal.js';
import type { SlackContext } from '../../context.js';

const clickSchema = z.object({ trigger_id: z.string(), actions: z.array(z.object({ value: z.string() })).length(1) });

/** "Type names instead", after the ack: opens the modal with a field per speaker (the trigger lives 3 s). */
export async function handleTypeNamesClick(ctx: SlackContext, body: unknown): Promise<void> {
  const click = clickSchema.parse(body);
  const sessionId = click.actions[0]!.value;
  const { transcript, speakers, members } = await ctx.sessions.results(sessionId);
  if (!transcript) return; // deleted meanwhile: its message stays, with nothing behind it
  await ctx.client.views.open({ trigger_id: click.trigger_id, view: speakerNamesModal(sessionId, speakerSamples(transcript, speakers, members), speakers) });
}
