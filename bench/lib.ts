import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { loadConfig, type Config } from '../core/config.js';

/** Bench scripts print one `RESULT {json}` line; the runner collects them. */
export function report(result: Record<string, unknown>): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Peak resident memory of this process so far, in MB. */
export const peakRssMb = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

export interface Child {
  info: Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * Starts a helper process (servers that must not count towards the measured process's memory) and waits
 * for its `READY {json}` line.
 */
export async function startChild(script: string, args: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as Record<string, unknown>);
    });
  });
  return {
    info,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/**
 * A configuration for one benchmark run on the distributed engines: its own database, Redis prefix and queue
 * names against the machine's services, and the given S3 server; `extra` adds what the benchmark needs.
 * Every engine's variable is set, or that part would run on its embedded engine.
 */
export function benchConfig(databaseUrl: string, s3Endpoint: string, extra: Record<string, string> = {}): Config {
  const tag = randomBytes(4).toString('hex');
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    REDIS_KEY_PREFIX: `wn-bench:${tag}:`,
    AMQP_QUEUE_PREFIX: `wn-bench-${tag}.`,
    S3_ENDPOINT: s3Endpoint,
    S3_ACCESS_KEY: 'S3RVER',
    S3_SECRET_KEY: 'S3RVER',
    ...extra,
  });
  const { database, objects, queue, progress } = config.engines;
  if (database !== 'postgres' || objects !== 's3' || queue !== 'rabbitmq' || progress !== 'redis') {
    throw new Error(`not every part on its distributed engine: ${JSON.stringify(config.engines)}`);
  }
  return config;
}
