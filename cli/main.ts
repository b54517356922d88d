import '../core/quiet-warnings.js';
import { createCore } from '../core/app.js';
import { ConfigError, loadConfig } from '../core/config.js';
import { withLinkSecret } from '../core/link-secret.js';
import { createLogger } from '../core/logger.js';
import { runCli } from './cli.js';

try {
  // Beside `npm start` on one box, the CLI signs status links with the secret that process keeps.
  const config = await withLinkSecret(loadConfig());
  // The CLI talks to people: logs stay quiet unless asked for, and on stderr, out of `--json` output.
  const core = await createCore(config, createLogger(process.env.LOG_LEVEL ?? 'warn', 'cli', 2, config.logFormat));
  const code = await runCli(process.argv.slice(2), core, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).finally(() => core.close());
  process.exit(code);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
