import { createCore } from '../core/app.js';
import { loadConfig } from '../core/config.js';
import { startHealthServer } from '../core/health.js';
import { createLogger } from '../core/logger.js';
import { runMain } from '../core/run-main.js';
import { createEngines } from './engines/index.js';
import { startProcessor } from './processor.js';

await runMain('processor', async () => {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'processor');
  const core = await createCore(config, log);
  const processor = await startProcessor(core, createEngines(config, log));
  const health = await startHealthServer(config.healthPort, core.readiness);
  log.info({ transcriber: config.transcriber.engine, healthPort: health.port }, 'processor consuming');
  return async () => {
    await processor.stop();
    await health.close();
    await core.close();
  };
});
