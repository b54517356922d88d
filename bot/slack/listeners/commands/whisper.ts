import type { RespondFn, SlashCommand } from '@slack/bolt';
import { isAppError } from '../../../../core/errors.js';
import { answerCommand, parseWhisperCommand } from '../../../commands.js';
import { escapeMrkdwn, slackLink } from '../../blocks/text.js';
import { chatUser, type SlackContext } from '../../context.js';
import { slackErrorCode } from '../../slack-error.js';
import { startInThread } from '../../start-session.js';
import { isWorkspaceAdmin } from '../../workspace-admin.js';

export const WHISPER_COMMAND = '/whisper';

/** Commands that act on someone's recording: admins may use them on anyone's. */
const NEEDS_ROLE = new Set<string>(['delete', 'cancel', 'retry']);

/** Why chat.postMessage refused the channel the command was typed in. */
const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

/**
 * `/whisper …`, after the ack: a link starts a session in a new thread; everything else is answered to
 * whoever typed it alone. Failures of a started session show in its thread (the notifier edits the status
 * message); failures before that are answered here.
 */
export async function handleWhisperCommand(ctx: SlackContext, command: SlashCommand, respond: RespondFn): Promise<void> {
  const reply = (text: string) => respond({ response_type: 'ephemeral', text });
  const cmd = parseWhisperCommand(command.text);
  const user = chatUser(command.team_id, command.user_id, command.user_name);
  try {
    if (cmd.kind !== 'link') {
      const isAdmin = NEEDS_ROLE.has(cmd.kind) && (await isWorkspaceAdmin(ctx, command.user_id));
      const channel = { platform: 'slack', workspaceId: command.team_id, channelId: command.channel_id } as const;
      await reply(await answerCommand(cmd, { sessions: ctx.sessions, members: ctx.members, user, isAdmin, channel, linkFor: ctx.linkFor, formatLink: slackLink, escapeText: escapeMrkdwn, askWhoSpoke: ctx.askWhoSpoke, questions: ctx.questions, speakers: ctx.speakers }));
      return;
    }
    // A command's trigger_id is its own: a replay of the signed request starts nothing more.
    if (!(await ctx.claims.claim(`slack:command:${command.trigger_id}`))) {
      ctx.log.info({ teamId: command.team_id, triggerId: command.trigger_id }, '/whisper delivered again; already handled');
      return;
    }
    const { session } = await startInThread(ctx, {
      teamId: command.team_id,
      channelId: command.channel_id,
      threadTs: null,
      user,
      source: { kind: 'link', url: cmd.url },
      filename: null,
    });
    ctx.log.info({ sessionId: session.id, teamId: command.team_id }, 'slack /whisper started a session');
  } catch (err) {
    if (isAppError(err)) {
      await reply(`❌ ${escapeMrkdwn(err.userMessage)}`);
      return;
    }
    const code = slackErrorCode(err);
    if (code && CANNOT_POST.has(code)) {
      await reply("I can't post in this channel. Add me with `/invite @Whisper Notes`, or use `/whisper` in a channel I'm in.");
      return;
    }
    ctx.log.error({ err, teamId: command.team_id }, '/whisper failed');
    await reply('Something went wrong on our side. Try again in a moment.');
  }
}
