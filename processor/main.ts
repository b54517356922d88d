import '../core/quiet-warnings.js';
import { startHealthServer } from '../core/health.js';
import { runRole } from '../core/run-role.js';
import { createEngines } from './engines/index.js';
import { engineReadiness } from './engines/reachability.js';
import { startProcessor } from './processor.js';

await runRole('processor', {
  start: async (core) => {
    const engines = await createEngines(core);
    // A processor whose engines do not answer cannot do its work: it is not ready (docs/operations.md#health-checks).
    const engineChecks = await engineReadiness(core.config, core.log);
    // Listening first: a busy port ends the process before it takes any job.
    const health = await startHealthServer(core.config, 'processor', { checks: { ...core.readiness, ...engineChecks }, models: engines.models });
    const processor = await startProcessor(core, engines);
    core.log.info({ transcriber: core.config.transcriber.engine, healthPort: health.port }, 'processor consuming');
    return async () => {
      await processor.stop();
      await health.close();
    };
  },
});
