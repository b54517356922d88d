import { once } from 'node:events';
import { Events } from 'discord.js';
import { required } from '../../core/config.js';
import type { ChatBotDeps, ChatPlatform } from '../chat-platform.js';
import { DiscordChannelMembers } from './channel-members.js';
import { createDiscordClient } from './client.js';
import type { DiscordBotOptions } from './context.js';
import { DiscordPlatform } from './discord.platform.js';
import { registerHandlers } from './handlers/index.js';

export type { DiscordBotOptions, TodoTicker } from './context.js';

export interface DiscordBot {
  platform: ChatPlatform;
  stop(): Promise<void>;
}

/** Logs in to the gateway and handles `/whisper`, file drops and todo buttons until stopped. */
export async function startDiscordBot(deps: ChatBotDeps, options: DiscordBotOptions): Promise<DiscordBot> {
  const token = required(deps.config.discord.token, 'DISCORD_TOKEN');
  const log = deps.log.child({ component: 'discord' });
  const client = createDiscordClient(deps.config.discord);
  const platform = new DiscordPlatform(client.rest, log);
  registerHandlers(client, {
    ...options,
    sessions: deps.sessionService,
    members: new DiscordChannelMembers(client),
    speakers: deps.speakers,
    questions: deps.questions,
    platform,
    rest: client.rest,
    claims: deps.chatEventClaims,
    maxMediaBytes: deps.config.ingest.maxMediaBytes,
    log,
  });
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.on(Events.ShardResume, (shard, replayed) => log.info({ shard, replayed }, 'discord gateway resumed'));

  const ready = once(client, Events.ClientReady);
  try {
    await client.login(token);
    await ready;
  } catch (err) {
    await client.destroy();
    throw err;
  }
  log.info({ user: client.user?.tag }, 'discord bot ready');
  return { platform, stop: () => client.destroy() };
}
