import { DiscordAPIError, MessageFlags, PermissionFlagsBits, RESTJSONErrorCodes, type Attachment, type ChatInputCommandInteraction } from 'discord.js';
import { displayName } from '../../../core/domain/display-name.js';
import type { Session } from '../../../core/domain/session.js';
import { isAppError } from '../../../core/errors.js';
import { answerCommand, parseWhisperCommand, type WhisperCommand } from '../../commands.js';
import { discordLink, escapeMarkdown, NO_MENTIONS } from '../components/text.js';
import { chatUser, type DiscordContext } from '../context.js';
import { isMediaAttachment, oversize } from './attachments.js';
import { startInThread } from './start-session.js';

export const DISCORD_HELP = [
  'Whisper Notes turns a meeting recording into a transcript, a summary and a todo list.',
  '• `/whisper link:<url>`: process a recording from a link (http or https)',
  '• `/whisper attachment:<file>`, or drop a video or audio file in a channel I can read: I reply in a thread',
  "• `/whisper action:list`: your and this channel's recent meetings",
  '• `/whisper action:status id:<id>`: where a recording is',
  '• `/whisper action:cancel id:<id>`: stop processing a recording',
  '• `/whisper action:retry id:<id>`: try a failed recording again, from what it stored',
  '• `/whisper action:delete id:<id>`: delete a recording and everything made from it',
  "• `/whisper action:speakers id:<id>`: ask in the recording's thread who spoke, to name the speakers",
  '• `/whisper action:ask id:<id> question:<question>`: ask about a recording, answered from its transcript (or mention me with the question in its thread)',
  '• `/whisper action:search words:<words>`: find where this channel\'s meetings said it ("a phrase", -word, or)',
  '• `/whisper action:rename id:<id> title:<title>`: give a meeting a title',
].join('\n');

type Request = Exclude<WhisperCommand, { kind: 'link' }> | { kind: 'media'; source: { kind: 'link'; url: string }; attachment: Attachment | null };

/** The options as one request; exactly one of link, attachment and action may be given. */
function readOptions(interaction: ChatInputCommandInteraction): Request {
  const link = interaction.options.getString('link');
  const attachment = interaction.options.getAttachment('attachment');
  const action = interaction.options.getString('action');
  const id = interaction.options.getString('id');
  if ([link, attachment, action].filter((o) => o !== null).length > 1) return { kind: 'invalid', reason: 'Use one of `link`, `attachment` or `action` at a time.' };
  if (attachment) return { kind: 'media', source: { kind: 'link', url: attachment.url }, attachment };
  if (link) {
    const cmd = parseWhisperCommand(link);
    return cmd.kind === 'link' ? { kind: 'media', source: { kind: 'link', url: cmd.url }, attachment: null } : { kind: 'invalid', reason: 'The link must start with http:// or https://.' };
  }
  if (action === 'status' || action === 'cancel' || action === 'retry' || action === 'delete' || action === 'speakers') {
    const cmd = parseWhisperCommand(`${action} ${id ?? ''}`);
    return cmd.kind === 'status' || cmd.kind === 'cancel' || cmd.kind === 'retry' || cmd.kind === 'delete' || cmd.kind === 'speakers' ? cmd : { kind: 'invalid', reason: `Add the recording's id: \`/whisper action:${action} id:<id>\`.` };
  }
  if (action === 'ask') {
    const cmd = parseWhisperCommand(`ask ${id ?? ''} ${interaction.options.getString('question') ?? ''}`);
    return cmd.kind === 'ask' ? cmd : { kind: 'invalid', reason: "Add the recording's id and your question: `/whisper action:ask id:<id> question:<question>`." };
  }
  if (action === 'search') return { kind: 'search', query: interaction.options.getString('words') ?? '' };
  if (action === 'rename') {
    const cmd = parseWhisperCommand(`rename ${id ?? ''} ${interaction.options.getString('title') ?? ''}`);
    return cmd.kind === 'rename' ? cmd : { kind: 'invalid', reason: "Add the recording's id and its new title: `/whisper action:rename id:<id> title:<title>`." };
  }
  return action === 'list' ? { kind: 'list' } : { kind: 'help' };
}

/** `/whisper`: deferred at once (Discord waits 3 s), answered privately to whoever typed it. */
export async function handleWhisperCommand(ctx: DiscordContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  // The reply may name a file: it never pings anyone.
  const say = (content: string) => interaction.editReply({ content, allowedMentions: NO_MENTIONS });
  try {
    const { reply, uploaded } = await answer(ctx, interaction, readOptions(interaction));
    await say(reply);
    // A refused link fails within seconds: say so here too, while the interaction token still lives.
    void uploaded
      ?.then(async (s) => {
        if (s.status === 'FAILED') await say(`${reply}\n❌ ${s.errorMessage ?? 'This recording could not be processed.'}`);
      })
      .catch((err: unknown) => ctx.log.info({ err, interaction: interaction.id }, 'could not report the failure in the /whisper reply'));
  } catch (err) {
    if (isAppError(err)) {
      await say(`❌ ${err.userMessage}`);
      return;
    }
    ctx.log.error({ err, interaction: interaction.id }, '/whisper failed');
    await say(cannotPost(err) ? "I can't post or start threads in this channel: give me Send Messages and Create Public Threads here." : 'Something went wrong on our side. Try again in a moment.');
  }
}

interface Answer {
  reply: string;
  /** The upload of a session just started: settles when it is stored and queued, or refused. */
  uploaded?: Promise<Session>;
}

async function answer(ctx: DiscordContext, interaction: ChatInputCommandInteraction, request: Request): Promise<Answer> {
  if (request.kind === 'help') return { reply: DISCORD_HELP };
  if (request.kind === 'invalid') return { reply: `${request.reason}\n\n${DISCORD_HELP}` };
  if (!interaction.inGuild()) return { reply: 'Use `/whisper` in a server channel.' };
  const user = chatUser(interaction.guildId, interaction.user);
  if (request.kind !== 'media') {
    const reply = await answerCommand(request, {
      sessions: ctx.sessions,
      members: ctx.members,
      user,
      isAdmin: interaction.memberPermissions.has(PermissionFlagsBits.ManageMessages),
      // Where a session started here records it (a thread's own id when typed in one).
      channel: { platform: 'discord', workspaceId: interaction.guildId, channelId: interaction.channelId },
      linkFor: ctx.linkFor,
      formatLink: discordLink,
      escapeText: escapeMarkdown,
      askWhoSpoke: ctx.askWhoSpoke,
      questions: ctx.questions,
      speakers: ctx.speakers,
    });
    return { reply };
  }
  const { attachment } = request;
  let filename: string | null = null;
  if (attachment) {
    filename = displayName(attachment.name) ?? 'recording';
    if (!isMediaAttachment(attachment)) return { reply: `${escapeMarkdown(filename)} is not a video or audio recording.` };
    const refused = oversize(attachment, ctx.maxMediaBytes);
    if (refused) return { reply: `❌ ${refused.userMessage}` };
  }
  const { session, uploaded } = await startInThread(ctx, {
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    inThread: interaction.channel?.isThread() ?? false,
    user,
    source: request.source,
    filename,
  });
  return { reply: `Working on it in <#${session.origin.threadRef}> · id \`${session.id}\``, uploaded };
}

function cannotPost(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.code === RESTJSONErrorCodes.MissingAccess || err.code === RESTJSONErrorCodes.MissingPermissions);
}
