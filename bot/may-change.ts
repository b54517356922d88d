import type { ChatUser } from '../core/domain/chat-user.js';
import type { Session } from '../core/domain/session.js';
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
