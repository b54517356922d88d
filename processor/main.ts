import '../core/quiet-warnings.js';
import { startHealthServer } from '../core/health.js';
import { runRole } from '../core/run-role.js';
import { createEngines } from './engines/index.js';
import { startProcessor } from './processor.js';

await runRole('processor', {
  start: async (core) => {
    const engines = await createEngines(core);
    const processor = await startProcessor(core, engines);
    const health = await startHealthServer(core.config.healthPort, core.readiness, engines.models);
    core.log.info({ transcriber: core.config.transcriber.engine, healthPort: health.port }, 'processor consuming');
    return async () => {
      await processor.stop();
      await health.close();
    };
  },
});
