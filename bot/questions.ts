import type { Question } from '../core/domain/question.js';
import { withSpeakerNames } from '../core/domain/speaker-name.js';
import { formatTimestamp } from '../core/domain/transcript.js';
import { isAppError } from '../core/errors.js';
import type { QuestionsService } from '../core/sessions/questions.service.js';
import type { SessionService } from '../core/sessions/session.service.js';
import type { SpeakersService } from '../core/sessions/speakers.service.js';
import type { BotOptions } from './chat-platform.js';
import type { ChatUser } from '../core/domain/chat-user.js';
import { mayChange, type ChangeGate } from './may-change.js';

/** What answering in a thread uses, on either platform. */
export interface QuestionContext extends Pick<BotOptions, 'linkFor'> {
  sessions: Pick<SessionService, 'inThread'>;
  questions: Pick<QuestionsService, 'ask'>;
  speakers: Pick<SpeakersService, 'names'>;
}

/** The platform's markup: links (Slack `<url|label>`, Discord `[label](url)`), and user text made literal. */
export interface Markup {
  formatLink: (url: string, label: string) => string;
  escapeText: (text: string) => string;
}

/** A chat thread, as a session's origin names it. */
export type ThreadPlace = Parameters<SessionService['inThread']>[0];

const NO_MEETING = 'This thread has no meeting of mine (or its meeting was deleted): mention me with your question in the thread of a meeting I posted.';

/** The words of a mention without the mentions in it (`<@U0BOT>` on Slack, `<@123>` or `<@!123>` on Discord). */
export function questionOf(text: string): string {
  return text.replace(/<@!?[A-Z0-9]+>/gi, ' ').trim();
}

/**
 * The reply to a question asked in a thread (docs/architecture.md#questions): the answer about the thread's
 * meeting, or a refusal in words (no meeting here, an empty question, no transcript yet, the meeting deleted).
 * `by` is who asked, as the surface names people.
 */
export async function answerInThread(ctx: QuestionContext, place: ThreadPlace, question: string, by: string, markup: Markup): Promise<string> {
  const session = await ctx.sessions.inThread(place);
  if (!session) return NO_MEETING;
  try {
    const asked = await ctx.questions.ask(session.id, question, by);
    return answerText(asked, await ctx.speakers.names(session.id), ctx.linkFor(session.id), markup);
  } catch (err) {
    if (!isAppError(err)) throw err;
    return `❌ ${err.userMessage}`;
  }
}

/** What `/whisper ask <id>` also reads: the meeting, and who may ask about it. */
export type AskContext = Omit<QuestionContext, 'sessions'> & ChangeGate & { sessions: Pick<SessionService, 'get'> };

/**
 * The answer to `/whisper ask <id> <question>`, for whoever typed it alone: only the person who shared the
 * recording and the members of its channel (mayChange) may ask, since the answer tells what was said.
 */
export async function answerById(ctx: AskContext, sessionId: string, question: string, user: ChatUser, markup: Markup): Promise<string> {
  const session = await ctx.sessions.get(sessionId);
  if (!session) return `No recording \`${sessionId}\`.`;
  if (!(await mayChange(ctx, session, user))) {
    const { channelId } = session.origin;
    return `Only the person who shared this recording and the members of ${channelId ? `<#${channelId}>` : 'its channel'} can ask about it.`;
  }
  try {
    const asked = await ctx.questions.ask(sessionId, question, user.displayName ?? user.externalId);
    return answerText(asked, await ctx.speakers.names(sessionId), ctx.linkFor(sessionId), markup);
  } catch (err) {
    if (!isAppError(err)) throw err;
    return `❌ ${err.userMessage}`;
  }
}

/**
 * The question quoted, the answer (speakers by the names given) and each moment it cites: a link to that line
 * on the status page when the page's link is known, else its time.
 */
export function answerText(q: Question, names: Record<string, string>, pageLink: string | null, { formatLink, escapeText }: Markup): string {
  const moments = q.citations.map((c) => (pageLink ? formatLink(`${pageLink}#seg-${c.segment}`, formatTimestamp(c.start)) : formatTimestamp(c.start)));
  const cited = moments.length > 0 ? `\nFrom ${moments.join(', ')}` : '';
  return `> ${escapeText(q.question)}\n${escapeText(withSpeakerNames(q.answer, names))}${cited}`;
}
