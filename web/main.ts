import '../core/quiet-warnings.js';
import { required } from '../core/config.js';
import { runRole } from '../core/run-role.js';
import { advertiseWeb } from '../core/web-advert.js';
import { startWeb } from './app.js';

await runRole('web', {
  check: (config) => void required(config.web.linkSecret, 'LINK_SECRET'),
  start: async (core) => {
    const web = await startWeb(core);
    // The CLI on this DATA_DIR links to this server and fetches links as it does.
    const withdraw = await advertiseWeb(core.config);
    core.log.info({ host: core.config.web.host, port: web.port, publicBaseUrl: core.config.web.publicBaseUrl }, 'status page listening');
    return async () => {
      await withdraw();
      await web.close();
    };
  },
});
