import '../core/quiet-warnings.js';
import { ConfigError } from '../core/config.js';
import { startHealthServer } from '../core/health.js';
import { runRole } from '../core/run-role.js';
import { startBots } from './bots.js';

await runRole('bot', {
  check: (config) => {
    if (!config.slack.botToken && !config.discord.token) {
      throw new ConfigError('Missing environment variable SLACK_BOT_TOKEN or DISCORD_TOKEN: the bot needs at least one chat platform');
    }
  },
  start: async (core) => {
    // Listening first: a busy port ends the process before it takes any chat event.
    const health = await startHealthServer(core.config, 'bot', { checks: core.readiness });
    const bots = (await startBots(core))!;
    return async () => {
      await bots.stop();
      await health.close();
    };
  },
});
