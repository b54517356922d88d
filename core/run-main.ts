import { ConfigError } from './config.js';

/**
 * Entry-point frame shared by every process: configuration errors print one line and exit 1; SIGTERM and
 * SIGINT run the returned shutdown once (stop consuming, finish or requeue work, close connections).
 */
export async function runMain(name: string, start: () => Promise<() => Promise<void>>): Promise<void> {
  let shutdown: () => Promise<void>;
  try {
    shutdown = await start();
  } catch (err) {
    if (err instanceof ConfigError) console.error(`${name}: ${err.message}`);
    else console.error(`${name}: failed to start:`, err);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${name}: ${signal} received, shutting down`);
    try {
      await shutdown();
      process.exit(0);
    } catch (err) {
      console.error(`${name}: shutdown failed:`, err);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
