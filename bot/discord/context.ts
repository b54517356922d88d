import type { REST, User } from 'discord.js';
import type { ChatEventClaims } from '../../core/db/chat-event-claims.repository.js';
import type { ChatUser } from '../../core/domain/chat-user.js';
import type { Logger } from '../../core/logger.js';
import type { SessionService } from '../../core/sessions/session.service.js';
import type { SpeakersService } from '../../core/sessions/speakers.service.js';
import type { QuestionsService } from '../../core/sessions/questions.service.js';
import type { BotOptions, ChannelMembers } from '../chat-platform.js';
import type { DiscordPlatform } from './discord.platform.js';

export type DiscordBotOptions = BotOptions;
export type TodoTicker = BotOptions['todos'];

/** What every handler works with. */
export interface DiscordContext extends DiscordBotOptions {
  sessions: SessionService;
  /** Who is in a session's channel: they may change its notes (bot/may-change.ts). */
  members: ChannelMembers;
  /** Naming speakers from the "Who spoke?" messages. */
  speakers: SpeakersService;
  /** Questions asked in a meeting's thread (bot/questions.ts). */
  questions: QuestionsService;
  platform: DiscordPlatform;
  rest: REST;
  /** A message seen twice (two gateway sessions, a redelivery) starts nothing twice. */
  claims: ChatEventClaims;
  maxMediaBytes: number;
  log: Logger;
}

export function chatUser(guildId: string, user: Pick<User, 'id' | 'username'>): ChatUser {
  return { platform: 'discord', workspaceId: guildId, externalId: user.id, displayName: user.username };
}
