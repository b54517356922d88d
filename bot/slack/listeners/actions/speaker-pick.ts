import type { RespondFn } from '@slack/bolt';
import { z } from 'zod';
import { isAppError } from '../../../../core/errors.js';
import { ensureMayChange } from '../../../may-change.js';
import { pickMember, takeSuggestion } from '../../../speaker-choices.js';
import { parseSpeakerBlockId } from '../../blocks/who-spoke.js';
import { chatUser, type SlackContext } from '../../context.js';
import { tellClicker } from './click.js';

const pickSchema = z.object({
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  team: z.object({ id: z.string() }),
  actions: z
    .array(z.object({ type: z.string(), block_id: z.string(), selected_user: z.string().nullish(), value: z.string().optional() }))
    .length(1),
});

/**
 * A person picked a member in a "Who spoke?" users_select, or clicked a suggestion, after the ack: for the
 * sharer or a member of the channel (ensureMayChange; others are told why, alone), the speaker is named at once (a member under their profile name) and the results re-rendered, the todos
 * mentioning the member, in one edit of each message.
 */
export async function handleSpeakerPick(ctx: SlackContext, body: unknown, respond: RespondFn): Promise<void> {
  const click = pickSchema.parse(body);
  const action = click.actions[0]!;
  const at = parseSpeakerBlockId(action.block_id);
  if (!at) return;
  const by = click.user.username ?? click.user.name ?? click.user.id;
  const deps = { speakers: ctx.speakers, memberName: (id: string) => ctx.platform.memberName(null, id) };
  try {
    await ensureMayChange(ctx, at.sessionId, chatUser(click.team.id, click.user.id));
    if (action.type === 'users_select') {
      // Clearing the menu sends no user: a speaker is un-named on the page or in the CLI, not here.
      if (!action.selected_user) return;
      await pickMember(deps, at, action.selected_user, null, by);
    } else if (!action.value || !(await takeSuggestion(deps, at, action.value, by))) {
      return;
    }
  } catch (err) {
    if (!isAppError(err)) throw err;
    await tellClicker(respond, `❌ ${err.userMessage}`);
    return;
  }
  await ctx.todosChanged(at.sessionId);
}
