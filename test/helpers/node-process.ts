import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface NodeProcess {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  /** Resolves with its first log line (pino JSON) whose msg is `msg`; rejects if it exits first. */
  logLine(msg: string): Promise<Record<string, unknown>>;
  /** Sends the signal and resolves with the exit code (null when the signal ended it). */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export type ProcessorProcess = NodeProcess;

/**
 * `processor/main.ts` as its own process with exactly `env` (plus where programs are), started and
 * consuming; for tests that kill or stop it as an operator or a crash would.
 */
export function startProcessorProcess(env: Record<string, string>): Promise<ProcessorProcess> {
  return startNodeProcess('processor/main.ts', env, 'processor consuming');
}

/**
 * One of our entry points (`entry`, relative to the repository) as its own process with exactly `env`
 * (plus where programs are, info logs, health on a free port); resolves once it has logged `readyMsg`.
 */
export async function startNodeProcess(entry: string, env: Record<string, string>, readyMsg: string): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env, LOG_LEVEL: 'info', HEALTH_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));

  const logLine = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const find = () => {
        // The last piece may be a line still being written.
        for (const line of output.split('\n').slice(0, -1)) {
          if (!line.startsWith('{')) continue;
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.msg === msg) return entry;
        }
        return null;
      };
      const onData = () => {
        const entry = find();
        if (entry) {
          child.stdout.off('data', onData);
          resolve(entry);
        }
      };
      child.stdout.on('data', onData);
      onData();
      void exited.then((code) => reject(new Error(`${entry} exited with ${code} before logging "${msg}":\n${output}`)));
    });

  const started: NodeProcess = {
    child,
    output: () => output,
    logLine,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  await logLine(readyMsg);
  return started;
}
