import { createCore } from '../core/app.js';
import { ConfigError, loadConfig } from '../core/config.js';
import { startHealthServer } from '../core/health.js';
import { createLogger } from '../core/logger.js';
import { runMain } from '../core/run-main.js';
import { startBots } from './bots.js';

await runMain('bot', async () => {
  const config = loadConfig();
  if (!config.slack.botToken && !config.discord.token) {
    throw new ConfigError('Missing environment variable SLACK_BOT_TOKEN or DISCORD_TOKEN: the bot needs at least one chat platform');
  }
  const log = createLogger(config.logLevel, 'bot');
  const core = await createCore(config, log);
  const bots = (await startBots(core))!;
  const health = await startHealthServer(config.healthPort, core.readiness);
  return async () => {
    await bots.stop();
    await health.close();
    await core.close();
  };
});
