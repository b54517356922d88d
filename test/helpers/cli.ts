import { runCli, type CliDeps } from '../../cli/cli.js';

/** What a CLI run printed, each stream's lines joined, and its exit code. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in process on `deps`, as `whisper-notes …argv` would, capturing what it prints. */
export async function runCliCapturing(argv: string[], deps: CliDeps, pollMs?: number): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, deps, { out: (l) => out.push(l), err: (l) => err.push(l) }, pollMs);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
