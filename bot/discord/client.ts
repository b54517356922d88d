import { Client, GatewayIntentBits, type RESTOptions } from 'discord.js';
import type { Config } from '../../core/config.js';

/**
 * The discord.js client: guild events, their messages and the messages' content (attachments arrive with
 * it). `DISCORD_API_URL` replaces Discord's REST base; the gateway address comes from that API too
 * (`GET /gateway/bot`), so a proxy or a test fake stands in for all of Discord.
 */
export function createDiscordClient(discord: Config['discord']): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: restOptions(discord),
  });
}

export function restOptions(discord: Config['discord']): Partial<RESTOptions> {
  return discord.apiUrl ? { api: discord.apiUrl.replace(/\/+$/, '') } : {};
}
