import type { webApi } from '@slack/bolt';
import type { ChatEventClaims } from '../../core/db/chat-event-claims.repository.js';
import type { ChatUser } from '../../core/domain/chat-user.js';
import type { Logger } from '../../core/logger.js';
import type { SessionService } from '../../core/sessions/session.service.js';
import type { SpeakersService } from '../../core/sessions/speakers.service.js';
import type { QuestionsService } from '../../core/sessions/questions.service.js';
import type { BotOptions, ChannelMembers } from '../chat-platform.js';
import type { SlackPlatform } from './slack.platform.js';

/** What every listener works with. */
export interface SlackContext extends BotOptions {
  sessions: SessionService;
  /** Who is in a session's channel: they may change its notes (bot/may-change.ts). */
  members: ChannelMembers;
  /** Naming speakers from the "Who spoke?" message. */
  speakers: SpeakersService;
  /** Questions asked in a meeting's thread (bot/questions.ts). */
  questions: QuestionsService;
  platform: SlackPlatform;
  client: webApi.WebClient;
  /** Retried or replayed deliveries start nothing twice. */
  claims: ChatEventClaims;
  /** Sent as a Bearer token to download shared files; never logged. */
  botToken: string;
  maxMediaBytes: number;
  log: Logger;
}

export function chatUser(teamId: string, userId: string, name: string | null = null): ChatUser {
  return { platform: 'slack', workspaceId: teamId, externalId: userId, displayName: name };
}
