/**
 * `npm run bench`: runs each benchmark in its own process (so memory figures are its own) and prints the
 * results as a table. BENCH_ONLY=ingest,pipeline,audio,sse,search picks some.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startChild } from './lib.js';

// `local` (the local AI engines, bench/local-ai.bench.ts) takes about 25 minutes, so it runs only when named: BENCH_ONLY=local.
const only = new Set((process.env.BENCH_ONLY ?? 'ingest,pipeline,audio,sse,search').split(','));
const results: Record<string, unknown>[] = [];

async function run(script: string, args: string[] = []): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('RESULT ')) {
      const result = JSON.parse(line.slice(7)) as Record<string, unknown>;
      results.push(result);
      console.log(JSON.stringify(result));
    }
  }
  const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
  if (code !== 0) throw new Error(`${script} exited ${code}`);
}

const servers = await startChild('bench/servers.ts');
const { s3, source } = servers.info as { s3: string; source: string };
try {
  if (only.has('ingest')) {
    await run('bench/ingest.bench.ts', [s3, source, '100']);
    await run('bench/ingest.bench.ts', [s3, source, '1024']);
  }
  if (only.has('audio')) await run('bench/audio.bench.ts', [s3]);
} finally {
  await servers.stop();
}
if (only.has('pipeline')) {
  await run('bench/pipeline.bench.ts', ['distributed']);
  await run('bench/pipeline.bench.ts', ['embedded']);
}
if (only.has('sse')) await run('bench/sse.bench.ts');
if (only.has('search')) {
  await run('bench/search.bench.ts', ['postgres']);
  await run('bench/search.bench.ts', ['pglite']);
}
if (only.has('local')) await run('bench/local-ai.bench.ts');

console.log('\n| bench | result |\n| --- | --- |');
for (const r of results) {
  const { bench, ...rest } = r;
  console.log(`| ${String(bench)} | ${Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')} |`);
}
