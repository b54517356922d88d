import type { REST, User } from 'discord.js';
import type { ChatUser } from '../../core/db/users.repository.js';
import type { Logger } from '../../core/logger.js';
import type { SessionService } from '../../core/sessions/session.service.js';
import type { DiscordPlatform } from './discord.platform.js';

/** Saves a todo's completed state (TodoService: read-modify-write under a lock, so no tick is lost). */
export interface TodoTicker {
  setCompleted(sessionId: string, todoId: string, completed: boolean, by: string): Promise<unknown>;
}

export interface DiscordBotOptions {
  /** The signed status-page link of a session, or null when the page is not configured. */
  linkFor: (sessionId: string) => string | null;
  todos: TodoTicker;
  /** Re-renders a session's posted results (ThreadNotifier.todosChanged). */
  todosChanged: (sessionId: string) => Promise<void>;
}

/** What every handler works with. */
export interface DiscordContext extends DiscordBotOptions {
  sessions: SessionService;
  platform: DiscordPlatform;
  rest: REST;
  maxMediaBytes: number;
  log: Logger;
}

export function chatUser(guildId: string, user: Pick<User, 'id' | 'username'>): ChatUser {
  return { platform: 'discord', workspaceId: guildId, externalId: user.id, displayName: user.username };
}
