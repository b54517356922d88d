import '../../core/quiet-warnings.js';
import { pathToFileURL } from 'node:url';
import { REST, Routes, SlashCommandBuilder, type RESTPutAPIApplicationCommandsResult } from 'discord.js';
import { ConfigError, loadConfig, required } from '../../core/config.js';
import { restOptions } from './client.js';

export const WHISPER_COMMAND = 'whisper';
export const WHISPER_ACTIONS = ['help', 'list', 'status', 'cancel', 'retry', 'delete', 'speakers', 'ask', 'search', 'rename'] as const;

/** `/whisper link:` · `/whisper attachment:` · `/whisper action:status id:` · `/whisper action:ask id: question:` (one at a time). */
export const whisperCommand = new SlashCommandBuilder()
  .setName(WHISPER_COMMAND)
  .setDescription('Turn a meeting recording into a transcript, a summary and todos')
  .addStringOption((o) => o.setName('link').setDescription('A link (http or https) to a video or audio recording'))
  .addAttachmentOption((o) => o.setName('attachment').setDescription('A video or audio recording'))
  .addStringOption((o) =>
    o
      .setName('action')
      .setDescription("Help, your and this channel's recent meetings, or one recording by id")
      .addChoices(...WHISPER_ACTIONS.map((a) => ({ name: a, value: a }))),
  )
  .addStringOption((o) => o.setName('id').setDescription('The recording id (for status, cancel, retry, delete, speakers, ask and rename)'))
  .addStringOption((o) => o.setName('question').setDescription('Your question about the recording (for ask)').setMaxLength(500))
  .addStringOption((o) => o.setName('words').setDescription("What to find in this channel's meetings (for search)"))
  .addStringOption((o) => o.setName('title').setDescription('The meeting\'s new title (for rename)').setMaxLength(150))
  .toJSON();

/** Guild commands appear at once (good for trying the bot); global ones reach every guild. */
export async function registerCommands(rest: REST, applicationId: string, guildId?: string): Promise<RESTPutAPIApplicationCommandsResult> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  return (await rest.put(route, { body: [whisperCommand] })) as RESTPutAPIApplicationCommandsResult;
}

// `tsx bot/discord/register-commands.ts [guildId]`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { discord } = loadConfig();
    const rest = new REST(restOptions(discord)).setToken(required(discord.token, 'DISCORD_TOKEN'));
    const guildId = process.argv[2];
    const saved = await registerCommands(rest, required(discord.applicationId, 'DISCORD_APPLICATION_ID'), guildId);
    console.log(`Registered ${saved.map((c) => `/${c.name}`).join(', ')} ${guildId ? `in guild ${guildId}` : 'globally'}`);
    process.exit(0);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
}
