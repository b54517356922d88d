import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordFake, type DiscordFake } from '../../test/fakes/discord-fake.js';
import { restOptions } from './client.js';
import { registerCommands, whisperCommand } from './register-commands.js';

let fake: DiscordFake;
let rest: REST;

beforeAll(async () => {
  fake = await startDiscordFake();
  rest = new REST(restOptions({ apiUrl: `${fake.apiUrl}/` })).setToken(fake.token);
});

afterAll(() => fake?.close());

describe('registering /whisper', () => {
  it('puts the command in one guild when given its id, through DISCORD_API_URL', async () => {
    const saved = await registerCommands(rest, fake.applicationId, fake.guildId);
    expect(saved.map((c) => c.name)).toEqual(['whisper']);
    const call = fake.calls.at(-1)!;
    expect(call).toMatchObject({ method: 'PUT', path: `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`, status: 200 });
    expect(call.body).toEqual([whisperCommand]);
    expect(whisperCommand.options?.map((o) => o.name)).toEqual(['link', 'attachment', 'action', 'id', 'question', 'words', 'title']);
  });

  it('registers globally without a guild id, waiting out a rate limit', async () => {
    fake.rateLimit({ method: 'PUT', path: /^\/applications\/\d+\/commands$/ }, 0.2);
    await registerCommands(rest, fake.applicationId);
    const puts = fake.calls.filter((c) => c.path === `/applications/${fake.applicationId}/commands`);
    expect(puts.map((c) => c.status)).toEqual([429, 200]);
  });
});
