import { createCore } from '../core/app.js';
import { loadConfig, required } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { runMain } from '../core/run-main.js';
import { startWeb } from './app.js';

await runMain('web', async () => {
  const config = loadConfig();
  required(config.web.linkSecret, 'LINK_SECRET'); // before connecting anywhere: a missing secret is one clear line
  const log = createLogger(config.logLevel, 'web');
  const core = await createCore(config, log);
  const web = await startWeb(core, config.web.port);
  log.info({ port: web.port, publicBaseUrl: config.web.publicBaseUrl }, 'status page listening');
  return async () => {
    await web.close();
    await core.close();
  };
});
