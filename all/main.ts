import '../core/quiet-warnings.js';
import { startHealthServer } from '../core/health.js';
import { withLinkSecret } from '../core/link-secret.js';
import { runRole } from '../core/run-role.js';
import { advertiseWeb } from '../core/web-advert.js';
import { createEngines } from '../processor/engines/index.js';
import { engineReadiness } from '../processor/engines/reachability.js';
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

await runRole('whisper-notes', {
  // One process serves the page and posts its links, so a secret kept in DATA_DIR is enough.
  prepare: withLinkSecret,
  start: async (core) => {
    const { config, log } = core;
    const parts: RunningPart[] = [];
    const engines = await createEngines(core);
    const engineChecks = await engineReadiness(config, log);
    const processor = await startProcessor(core, engines);
    parts.push({ name: 'processor', stop: () => processor.stop() });
    const health = await startHealthServer(config, 'all', { checks: { ...core.readiness, ...engineChecks }, models: engines.models });
    parts.push({ name: 'health', stop: () => health.close() });
    const web = await startWeb(core, { models: engines.models, engineChecks });
    // The CLI on this DATA_DIR links to this server and fetches links as it does.
    const withdrawAdvert = await advertiseWeb(config);
    parts.push({
      name: `web (:${web.port})`,
      stop: async () => {
        await withdrawAdvert();
        await web.close();
      },
    });
    const bots = await startBots(core);
    if (bots) parts.push({ name: `bots (${bots.platforms.join(', ')})`, stop: () => bots.stop() });

    log.info({ parts: parts.map((p) => p.name), transcriber: config.transcriber.engine, healthPort: health.port }, 'whisper-notes running');
    // Intake stops before the work it feeds; the core's connections close after.
    return async () => {
      for (const part of parts.reverse()) await part.stop();
    };
  },
});
