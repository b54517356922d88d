import { createCore, type Core } from './app.js';
import { loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { runMain } from './run-main.js';

export interface Role {
  /** Checks settings this role needs before anything connects (throw ConfigError: one clear line). */
  check?: (config: Config) => void;
  /** Completes the configuration from what the process keeps on disk (e.g. a generated link secret). */
  prepare?: (config: Config) => Promise<Config>;
  /** Starts the role on the wired core; returns how to stop it (the core is closed after). */
  start: (core: Core) => Promise<() => Promise<void>>;
}

/** A process: configuration read once, one core of connections, the role, then a graceful shutdown. */
export function runRole(name: string, role: Role): Promise<void> {
  return runMain(name, async () => {
    const loaded = loadConfig();
    role.check?.(loaded);
    const config = role.prepare ? await role.prepare(loaded) : loaded;
    const core = await createCore(config, createLogger(config.logLevel, name, 1, config.logFormat));
    const stop = await role.start(core);
    return async () => {
      await stop();
      await core.close();
    };
  });
}
