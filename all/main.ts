import { createCore } from '../core/app.js';
import { loadConfig } from '../core/config.js';
import { startHealthServer } from '../core/health.js';
import { createLogger } from '../core/logger.js';
import { runMain } from '../core/run-main.js';
import { createEngines } from '../processor/engines/index.js';
import { startProcessor } from '../processor/processor.js';
import { startBots } from '../bot/bots.js';
import { startWeb } from '../web/app.js';

/**
 * Every role in one process, for small installs (`npm start`): one set of connections to the configured
 * services shared by the parts. Each role can still run alone (processor/main.ts, web/main.ts, bot/main.ts).
 */

interface RunningPart {
  name: string;
  stop(): Promise<void>;
}

await runMain('whisper-notes', async () => {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'whisper-notes');
  const core = await createCore(config, log);
  const parts: RunningPart[] = [];

  const processor = await startProcessor(core, createEngines(config, log));
  parts.push({ name: 'processor', stop: () => processor.stop() });
  const health = await startHealthServer(config.healthPort, core.readiness);
  parts.push({ name: 'health', stop: () => health.close() });
  if (config.web.linkSecret) {
    const web = await startWeb(core, config.web.port);
    parts.push({ name: `web (:${web.port})`, stop: () => web.close() });
  } else {
    log.warn('status page off: set LINK_SECRET (32+ characters) to serve it');
  }
  const bots = await startBots(core);
  if (bots) parts.push({ name: `bots (${bots.platforms.join(', ')})`, stop: () => bots.stop() });

  log.info({ parts: parts.map((p) => p.name), transcriber: config.transcriber.engine, healthPort: health.port }, 'whisper-notes running');
  return async () => {
    // Intake stops before the work it feeds; connections close last.
    for (const part of parts.reverse()) await part.stop();
    await core.close();
  };
});
