import type { ChatUser } from '../core/domain/chat-user.js';
import type { MeetingEntry } from '../core/domain/meeting-entry.js';
import type { Session } from '../core/domain/session.js';
import { formatTimestamp } from '../core/domain/transcript.js';
import type { SessionsQueryChannel } from '../core/db/sessions.repository.js';
import { AUTHORIZED, type CancelResult, type DeleteResult, type RetryResult, type SessionService } from '../core/sessions/session.service.js';
import type { WhoSpokeOutcome } from './chat-platform.js';
import { stageLabel } from '../core/domain/progress-text.js';
import { singleLine } from '../core/domain/display-name.js';
import type { SearchHit } from '../core/domain/search.js';
import { pageAtMoment } from '../core/links.js';
import type { ChannelMembers } from './chat-platform.js';
import { ensureMayChange, mayNotChange, mayRetry } from './may-change.js';
import { answerById, type AskContext } from './questions.js';

/** `/whisper …` as typed, understood the same way on every platform. */
export type WhisperCommand =
  | { kind: 'link'; url: string }
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'status'; sessionId: string }
  | { kind: 'cancel'; sessionId: string }
  | { kind: 'retry'; sessionId: string }
  | { kind: 'delete'; sessionId: string }
  | { kind: 'speakers'; sessionId: string }
  | { kind: 'ask'; sessionId: string; question: string }
  /** `query` as typed (quotes, `-word`, `or`): the service checks it. */
  | { kind: 'search'; query: string }
  | { kind: 'rename'; sessionId: string; title: string }
  | { kind: 'invalid'; reason: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const HELP_TEXT = [
  'Whisper Notes turns a meeting recording into a transcript, a summary and a todo list.',
  '• `/whisper <link>`: process a recording from a link (http or https)',
  '• Drop a video or audio file in a channel I am in: I reply in a thread',
  "• `/whisper list`: your and this channel's recent meetings",
  '• `/whisper status <id>`: where a recording is',
  '• `/whisper cancel <id>`: stop processing a recording',
  '• `/whisper retry <id>`: try a failed recording again, from what it stored',
  '• `/whisper delete <id>`: delete a recording and everything made from it',
  "• `/whisper speakers <id>`: ask in the recording's thread who spoke, to name the speakers",
  "• `/whisper ask <id> <question>`: ask about a recording, answered from its transcript (or mention me with the question in its thread)",
  '• `/whisper search <words>`: find where this channel\'s meetings said it ("a phrase", -word, or)',
  '• `/whisper rename <id> <title>`: give a meeting a title',
].join('\n');

/** Slack wraps links as `<https://…>` or `<https://…|label>`; people paste them bare. */
function unwrapLink(word: string): string {
  const m = /^<([^|>]+)(?:\|[^>]*)?>$/.exec(word);
  return m ? m[1]! : word;
}

export function parseWhisperCommand(text: string): WhisperCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, second, ...rest] = words;
  if (!first || first.toLowerCase() === 'help') return { kind: 'help' };
  const verb = first.toLowerCase();
  if (verb === 'search') return { kind: 'search', query: text.trim().slice(first.length).trim() };
  if (verb === 'list') return rest.length || second ? { kind: 'invalid', reason: '`list` takes no arguments.' } : { kind: 'list' };
  if (verb === 'status' || verb === 'cancel' || verb === 'retry' || verb === 'delete' || verb === 'speakers') {
    if (!second || !UUID.test(second) || rest.length) return { kind: 'invalid', reason: `Use \`/whisper ${verb} <id>\` with the recording's id.` };
    return { kind: verb, sessionId: second.toLowerCase() };
  }
  if (verb === 'ask') {
    if (!second || !UUID.test(second)) return { kind: 'invalid', reason: "Use `/whisper ask <id> <question>` with the recording's id." };
    return { kind: 'ask', sessionId: second.toLowerCase(), question: rest.join(' ') };
  }
  if (verb === 'rename') {
    const title = rest.join(' ');
    if (!second || !UUID.test(second) || !title) return { kind: 'invalid', reason: "Use `/whisper rename <id> <title>` with the recording's id and its new title." };
    return { kind: 'rename', sessionId: second.toLowerCase(), title };
  }
  const link = unwrapLink(first);
  if (/^https?:\/\//i.test(link)) {
    return second ? { kind: 'invalid', reason: 'Send one link at a time.' } : { kind: 'link', url: link };
  }
  return { kind: 'invalid', reason: `I don't know \`${first.slice(0, 40)}\`.` };
}

/** Where a session stands, in words: done, failed (why), cancelled, or its stage and percent. */
function sessionState(s: Session): string {
  if (s.status === 'FAILED') return `failed: ${s.errorMessage ?? s.errorCode ?? ''}`;
  if (s.status === 'COMPLETED') return 'done';
  if (s.status === 'CANCELLED') return 'cancelled';
  return `${stageLabel(s.stage).toLowerCase()} (${s.percent}%)`;
}

/** One line: id, name, date, then `details` (where it stands, and what a list adds), then the page link. */
function sessionLine(s: Session, name: string, details: string[], link: string | null, ctx: Pick<CommandContext, 'formatLink' | 'escapeText'>): string {
  const when = `${s.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return [`\`${s.id}\` ${ctx.escapeText(name)}`, when, ...details, ...(link ? [ctx.formatLink(link, 'open')] : [])].join(' · ');
}

export function describeSession(s: Session, link: string | null, ctx: Pick<CommandContext, 'formatLink' | 'escapeText'>): string {
  return sessionLine(s, s.filename ?? 'recording', [sessionState(s)], link, ctx);
}

/** A meeting as `/whisper list` shows it: its title, date, length, where it stands, its open todos and page. */
export function describeMeeting(e: MeetingEntry, link: string | null, ctx: Pick<CommandContext, 'formatLink' | 'escapeText'>): string {
  const length = e.durationSeconds === null ? [] : [formatTimestamp(e.durationSeconds)];
  const todos = e.openTodos === null ? [] : [`${e.openTodos} open ${e.openTodos === 1 ? 'todo' : 'todos'}`];
  return sessionLine(e.session, e.title, [...length, sessionState(e.session), ...todos], link, ctx);
}

/** Slack writes `<url|label>`, Discord `[label](url)`. */
export type LinkFormatter = (url: string, label: string) => string;

export interface CommandContext {
  sessions: SessionService;
  user: ChatUser;
  /** Workspace admins (Slack) or members with Manage Messages (Discord) may cancel, retry and delete others' recordings. */
  isAdmin: boolean;
  /** The members of a recording's channel may retry it too (bot/may-change.ts). */
  members: ChannelMembers;
  linkFor: (sessionId: string) => string | null;
  formatLink: LinkFormatter;
  /** Makes user text (a file name, an error) literal in the platform's markup. */
  escapeText: (text: string) => string;
  /** The channel the command was typed in (a thread's parent channel): its meetings are listed, and searched. */
  channel: SessionsQueryChannel | null;
  /** Makes sure the recording's thread asks who spoke (the thread notifier's askWhoSpoke). */
  askWhoSpoke: (sessionId: string) => Promise<WhoSpokeOutcome>;
  /** `/whisper ask`: answers from the meeting, speakers by their names (bot/questions.ts). */
  questions: AskContext['questions'];
  speakers: AskContext['speakers'];
}

/** Answers the commands that start no session: help, list, status, cancel, retry, delete, speakers, ask, search. The reply is for the user alone. */
export async function answerCommand(cmd: Exclude<WhisperCommand, { kind: 'link' }>, ctx: CommandContext): Promise<string> {
  switch (cmd.kind) {
    case 'help':
      return HELP_TEXT;
    case 'invalid':
      return `${cmd.reason}\n\n${HELP_TEXT}`;
    case 'list': {
      const recent = await ctx.sessions.listMeetings({ user: ctx.user, channel: ctx.channel ?? undefined, limit: LIST_LIMIT });
      return recent.length
        ? `Your and this channel's recent meetings:\n${recent.map((e) => describeMeeting(e, ctx.linkFor(e.session.id), ctx)).join('\n')}`
        : 'Neither you nor this channel have recordings yet.';
    }
    case 'rename': {
      // Throws the sentence for this person alone (gone, or not theirs to change), which the platform answers.
      await ensureMayChange(ctx, cmd.sessionId, ctx.user);
      const result = await ctx.sessions.rename(cmd.sessionId, cmd.title, AUTHORIZED, ctx.user.displayName ?? ctx.user.externalId);
      return result.outcome === 'renamed' ? `\`${cmd.sessionId}\` is now called “${ctx.escapeText(result.title)}”.` : noSuchRecording(cmd.sessionId);
    }
    case 'status': {
      const s = await ctx.sessions.get(cmd.sessionId);
      return s ? describeSession(s, ctx.linkFor(s.id), ctx) : noSuchRecording(cmd.sessionId);
    }
    case 'cancel':
      return cancelReply(cmd.sessionId, await ctx.sessions.cancel(cmd.sessionId, ctx.user, ctx.isAdmin), ctx.escapeText);
    case 'retry':
      return retryReply(cmd.sessionId, await ctx.sessions.retry(cmd.sessionId, mayRetry(ctx, ctx.user, () => Promise.resolve(ctx.isAdmin))), ctx.escapeText);
    case 'delete':
      return deleteReply(cmd.sessionId, await ctx.sessions.delete(cmd.sessionId, ctx.user, ctx.isAdmin), ctx.escapeText);
    case 'speakers':
      return whoSpokeReply(cmd.sessionId, await ctx.askWhoSpoke(cmd.sessionId));
    case 'ask':
      return answerById(ctx, cmd.sessionId, cmd.question, ctx.user, ctx);
    case 'search':
      return searchReply(ctx.channel ? await ctx.sessions.search(cmd.query, { kind: 'channel', ...ctx.channel }, CHAT_SEARCH_HITS) : [], ctx);
  }
}

/** Hits a chat answer shows: with their links they stay within a Discord message (2,000 characters). */
const CHAT_SEARCH_HITS = 5;
/** Characters of a line quoted in chat; a longer one is cut with an ellipsis. */
const CHAT_QUOTE_LENGTH = 160;

/** `/whisper search`'s answer: each line quoted with its speaker, the meeting, and the page at that moment. */
function searchReply(hits: SearchHit[], ctx: Pick<CommandContext, 'linkFor' | 'formatLink' | 'escapeText'>): string {
  if (hits.length === 0) return "No meeting in this channel says that.";
  const lines = hits.map((hit) => {
    const said = Array.from(hit.text).length > CHAT_QUOTE_LENGTH ? `${Array.from(hit.text).slice(0, CHAT_QUOTE_LENGTH - 1).join('')}…` : hit.text;
    const page = ctx.linkFor(hit.session.id);
    const at = hit.startSeconds === null ? hit.kind : formatTimestamp(hit.startSeconds);
    const moment = page ? ctx.formatLink(pageAtMoment(page, hit.startSeconds), at) : at;
    const speaker = hit.speaker ? `${ctx.escapeText(hit.speaker)}: ` : '';
    return `> ${speaker}“${ctx.escapeText(singleLine(said))}”\n${ctx.escapeText(hit.title)} · ${moment}`;
  });
  return `Found in this channel's meetings:\n${lines.join('\n')}`;
}

function whoSpokeReply(id: string, outcome: WhoSpokeOutcome): string {
  switch (outcome) {
    case 'not-found':
      return noSuchRecording(id);
    case 'elsewhere':
      return `\`${id}\` was not shared in this chat: name its speakers on its status page or with the CLI.`;
    case 'not-ready':
      return `\`${id}\` has no results yet: its thread asks who spoke when they are ready.`;
    case 'no-speakers':
      return `The transcript of \`${id}\` does not tell speakers apart, so there are none to name.`;
    case 'present':
      return `The thread of \`${id}\` already asks who spoke: pick the people there.`;
    case 'posted':
      return `I asked who spoke in the thread of \`${id}\`.`;
  }
}

/** How many meetings `/whisper list` shows: a chat message stays readable. */
const LIST_LIMIT = 10;

const noSuchRecording = (id: string) => `No recording \`${id}\`.`;
const onlyTheSharer = (verb: string) => `Only the person who shared this recording, or an admin, can ${verb} it.`;

const recordingName = (s: Session, escapeText: CommandContext['escapeText']) => escapeText(s.filename ?? 'recording');

/** The answer to `/whisper retry` and to a Retry button, for the person who asked alone. */
export function retryReply(id: string, result: RetryResult, escapeText: CommandContext['escapeText']): string {
  switch (result.outcome) {
    case 'not-found':
      return noSuchRecording(id);
    case 'forbidden':
      return mayNotChange(result.session);
    case 'not-failed':
      return `\`${id}\` has not failed (${result.session.status.toLowerCase()}): there is nothing to retry.`;
    case 'no-recording':
      return `\`${id}\` never finished uploading, so there is nothing to start again from: please share the recording again.`;
    case 'too-many-active':
      return `❌ ${escapeText(result.error.userMessage)}`;
    case 'retried':
      return `Trying \`${id}\` (${recordingName(result.session, escapeText)}) again${result.resumesFrom === 'todos' ? ' from its transcript' : ''}.`;
  }
}

function cancelReply(id: string, result: CancelResult, escapeText: CommandContext['escapeText']): string {
  switch (result.outcome) {
    case 'not-found':
      return noSuchRecording(id);
    case 'forbidden':
      return onlyTheSharer('cancel');
    case 'finished':
      return `\`${id}\` has already ended (${result.session.status.toLowerCase()}): there is nothing to cancel.`;
    case 'cancelled':
      return `Cancelled \`${id}\` (${recordingName(result.session, escapeText)}).`;
  }
}

function deleteReply(id: string, result: DeleteResult, escapeText: CommandContext['escapeText']): string {
  switch (result.outcome) {
    case 'not-found':
      return noSuchRecording(id);
    case 'forbidden':
      return onlyTheSharer('delete');
    case 'deleted':
      return `Deleted \`${id}\` (${recordingName(result.session, escapeText)}): the recording, transcript, summary and todos are gone.`;
  }
}
