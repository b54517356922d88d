import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { EVENTS_PATH } from './app.js';
import { WHISPER_COMMAND } from './listeners/commands/whisper.js';

const manifestSchema = z.object({
  features: z.object({ slash_commands: z.array(z.object({ command: z.string(), url: z.string() })) }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()) }) }),
  settings: z.object({
    event_subscriptions: z.object({ request_url: z.string(), bot_events: z.array(z.string()) }),
    interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string() }),
  }),
});

describe('the Slack app manifest', () => {
  it('declares what the bot listens to and the scopes its calls need, at the path it serves', async () => {
    const manifest = manifestSchema.parse(parse(await readFile(new URL('./manifest.yml', import.meta.url), 'utf8')));
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([WHISPER_COMMAND]);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(['message.channels', 'message.groups']));
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    // commands, chat.postMessage/update/postEphemeral, files.info + downloads, message events, users.info
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write', 'files:read', 'channels:history', 'groups:history', 'channels:read', 'groups:read', 'users:read']));
    const urls = [manifest.features.slash_commands[0]!.url, manifest.settings.event_subscriptions.request_url, manifest.settings.interactivity.request_url];
    expect(urls.every((u) => new URL(u).pathname === EVENTS_PATH)).toBe(true);
  });
});
