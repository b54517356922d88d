import { startHealthServer } from '../core/health.js';
import { runRole } from '../core/run-role.js';
import { createEngines } from './engines/index.js';
import { startProcessor } from './processor.js';

await runRole('processor', {
  start: async (core) => {
    const processor = await startProcessor(core, createEngines(core.config, core.log));
    const health = await startHealthServer(core.config.healthPort, core.readiness);
    core.log.info({ transcriber: core.config.transcriber.engine, healthPort: health.port }, 'processor consuming');
    return async () => {
      await processor.stop();
      await health.close();
    };
  },
});
