import type { ChatUser } from '../core/domain/chat-user.js';
import type { Session } from '../core/domain/session.js';
import { AppError } from '../core/errors.js';
import type { MayAct, SessionService } from '../core/sessions/session.service.js';
import type { ChannelMembers } from './chat-platform.js';

/** What the decision reads: who shared the recording, and who is in its channel. Every bot context has both. */
export interface ChangeGate {
  sessions: Pick<SessionService, 'ownerOf'>;
  members: ChannelMembers;
}

/**
 * Whether `user` may change a session's notes from chat (retry, edit todos, regenerate, name speakers):
 * the person who shared the recording, or a member of the channel it came from, as the chat platform
 * reports it (docs/architecture.md#chat). Membership is only known on the session's own platform.
 */
export async function mayChange(gate: ChangeGate, session: Session, user: ChatUser): Promise<boolean> {
  if (await gate.sessions.ownerOf(session, user)) return true;
  const { platform } = gate.members;
  if (session.origin.platform !== platform || user.platform !== platform || !session.origin.channelId) return false;
  return gate.members.isChannelMember(session, user.externalId);
}

/** Retry from chat: whoever may change the notes, or an admin (asked last: Slack answers it with a call). */
export function mayRetry(gate: ChangeGate, user: ChatUser, isAdmin: () => Promise<boolean>): MayAct {
  return async (session) => (await mayChange(gate, session, user)) || (await isAdmin());
}

/**
 * The refusal of a chat action that changes a recording's notes (retry, todo edits, regenerating, naming
 * speakers) to someone mayChange turned away, for that person alone.
 */
export function mayNotChange(session: Pick<Session, 'origin'>): string {
  const { channelId } = session.origin;
  return `Only the person who shared this recording and the members of ${channelId ? `<#${channelId}>` : 'its channel'} can change its notes.`;
}

/**
 * Throws, with the sentence for the person alone, unless `user` may change the session's notes from chat:
 * SESSION_NOT_FOUND for a meeting that is gone, NOT_ALLOWED (mayNotChange) for someone mayChange turns away.
 */
export async function ensureMayChange(gate: ChangeGate & { sessions: Pick<SessionService, 'get'> }, sessionId: string, user: ChatUser): Promise<void> {
  const session = await gate.sessions.get(sessionId);
  if (!session) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.');
  if (!(await mayChange(gate, session, user))) throw new AppError('NOT_ALLOWED', mayNotChange(session));
}
