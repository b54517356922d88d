import { required } from '../core/config.js';
import { runRole } from '../core/run-role.js';
import { startWeb } from './app.js';

await runRole('web', {
  check: (config) => void required(config.web.linkSecret, 'LINK_SECRET'),
  start: async (core) => {
    const web = await startWeb(core);
    core.log.info({ host: core.config.web.host, port: web.port, publicBaseUrl: core.config.web.publicBaseUrl }, 'status page listening');
    return () => web.close();
  },
});
