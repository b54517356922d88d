import '../core/quiet-warnings.js';
import { createCore } from '../core/app.js';
import { ConfigError, loadConfig, type Config } from '../core/config.js';
import { withLinkSecret } from '../core/link-secret.js';
import { createLogger } from '../core/logger.js';
import { runningWebServer, withWebAdvert } from '../core/web-advert.js';
import { parseCliArgs } from './args.js';
import { answerWithoutCommand, runCommand } from './cli.js';
import type { CliIo } from './io.js';

const io: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

// The command line is checked before anything connects: `help` and a mistyped flag need no database.
const parsed = parseCliArgs(process.argv.slice(2));
if (!('command' in parsed)) process.exit(answerWithoutCommand(parsed, io));

try {
  const config = await besideTheServer(await withLinkSecret(loadConfig()));
  // The CLI talks to people: logs stay quiet unless asked for, and on stderr, out of `--json` output.
  const core = await createCore(config, createLogger(process.env.LOG_LEVEL ?? 'warn', 'cli', 2, config.logFormat));
  const code = await runCommand(parsed.command, core, io).finally(() => core.close());
  process.exit(code);
} catch (err) {
  // One sentence for a person; the stack is for a debugger (LOG_LEVEL=debug shows it).
  io.err(err instanceof Error ? err.message : String(err));
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error && err.stack) io.err(err.stack);
  process.exit(err instanceof ConfigError ? 2 : 1);
}

/**
 * Beside `npm start` on one box, the CLI signs status links with the secret that process keeps, and links to
 * and fetches as the server running on the same DATA_DIR does (docs/architecture.md#status-page-links).
 */
async function besideTheServer(config: Config): Promise<Config> {
  const advert = await runningWebServer(config.dataDir);
  if (!advert) return config;
  const adopted = withWebAdvert(config, advert);
  for (const warning of adopted.warnings) io.err(`Note: ${warning}`);
  return adopted.config;
}
