/**
 * Pipeline overhead: submit → COMPLETED with instant fakes for WhisperX and the LLM. `distributed` (the
 * default argument) runs on the real Postgres, Redis and RabbitMQ of this machine and an S3 server;
 * `embedded` on the engines `npm start` uses with nothing configured (PGlite, a directory, the job table,
 * in-process progress). Reports p50/p95 over sequential jobs (the cost the pipeline itself adds to every
 * recording) and, for a burst submitted at once, throughput, peak queue depth and that none was lost.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createCore } from '../core/app.js';
import { loadConfig } from '../core/config.js';
import { isFinal, type Session } from '../core/domain/session.js';
import { createLogger } from '../core/logger.js';
import { removeQueuesAndKeys } from '../test/helpers/cleanup.js';
import { createEngines } from '../processor/engines/index.js';
import { startProcessor } from '../processor/processor.js';
import { startOpenAIFake } from '../test/fakes/openai-fake.js';
import { startWhisperxFake } from '../test/fakes/whisperx-fake.js';
import { makeSpeechVideo, tempDir } from '../test/helpers/media.js';
import { startS3 } from '../test/helpers/s3-server.js';
import { benchConfig, percentile, report } from './lib.js';
import { createScratchDatabase } from '../test/helpers/database.js';

const SEQUENTIAL = Number(process.env.BENCH_JOBS ?? 50);
const BURST = Number(process.env.BENCH_BURST ?? 50);

const ENGINES = process.argv[2] === 'embedded' ? 'embedded' : 'distributed';

const [whisperx, openai, media] = await Promise.all([startWhisperxFake(), startOpenAIFake(), tempDir('wn-bench-')]);
const video = await makeSpeechVideo(media.dir, 'Anna, can you write the release notes? I will ship the fixes.');
const size = (await stat(video)).size;
const settings = {
  WHISPERX_URL: whisperx.url,
  OPENAI_BASE_URL: openai.baseURL,
  OPENAI_API_KEY: 'sk-bench',
  PROCESSOR_PREFETCH: '4',
};
const infrastructure = ENGINES === 'embedded' ? null : { database: await createScratchDatabase('wn_bench'), s3: await startS3() };
const config = infrastructure
  ? benchConfig(infrastructure.database.url, infrastructure.s3.endpoint, settings)
  : loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: path.join(media.dir, 'data'), ...settings });
const log = createLogger('silent');
const core = await createCore(config, log);
const processor = await startProcessor(core, await createEngines(core));

/** Each job comes from its own person, as a burst from a team would (one person is limited to a few at once). */
async function runOne(person: number): Promise<{ ms: number; session: Session }> {
  const started = performance.now();
  const { uploaded } = await core.sessionService.start({
    user: { platform: 'cli', workspaceId: 'bench', externalId: `bench-${person}` },
    origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
    source: { kind: 'stream', body: createReadStream(video), filename: 'bench.mp4', sizeBytes: size },
  });
  let session = await uploaded;
  // The row is the truth; polling it at 10 ms costs a little database time and no accuracy.
  while (!isFinal(session.status)) {
    await new Promise((r) => setTimeout(r, 10));
    session = (await core.sessionService.get(session.id))!;
  }
  if (session.status !== 'COMPLETED') throw new Error(`job ${session.id} ended ${session.status}: ${session.errorMessage}`);
  return { ms: performance.now() - started, session };
}

/** Polls the ready-message count of both queues every 20 ms; stop() gives the peak of each. */
function sampleQueueDepth() {
  const peak = { transcribe: 0, todos: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const [transcribe, todos] = await Promise.all([core.queue.depth('transcribe'), core.queue.depth('todos')]);
      peak.transcribe = Math.max(peak.transcribe, transcribe);
      peak.todos = Math.max(peak.todos, todos);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

try {
  await runOne(0); // warm-up: connections, JIT, buckets
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) latencies.push((await runOne(0)).ms);
  latencies.sort((a, b) => a - b);

  const depth = sampleQueueDepth();
  const burstStart = performance.now();
  const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => runOne(i)));
  const burstSeconds = (performance.now() - burstStart) / 1000;
  const peakDepth = await depth.stop();
  const burstLatencies = burst.map((b) => b.ms).sort((a, b) => a - b);
  // None lost: every row is COMPLETED and every session has its three result files.
  const stored = await Promise.all(burst.map(async ({ session }) => Object.values(await core.sessionService.results(session.id)).every((r) => r !== null)));

  report({
    bench: `pipeline (${ENGINES})`,
    jobs: SEQUENTIAL,
    p50Ms: Math.round(percentile(latencies, 50)),
    p95Ms: Math.round(percentile(latencies, 95)),
    burst: BURST,
    burstCompleted: burst.filter((b) => b.session.status === 'COMPLETED').length,
    burstWithAllResults: stored.filter(Boolean).length,
    peakQueueDepth: peakDepth,
    burstSeconds: Math.round(burstSeconds * 10) / 10,
    burstJobsPerSecond: Math.round((BURST / burstSeconds) * 10) / 10,
    burstP95Ms: Math.round(percentile(burstLatencies, 95)),
  });
} finally {
  await processor.stop();
  if (infrastructure) {
    const redis = new Redis(config.redis.url);
    await removeQueuesAndKeys(config, redis);
    redis.disconnect();
  }
  await core.close();
  await Promise.all([infrastructure?.s3.close(), whisperx.close(), openai.close()]);
  await infrastructure?.database.drop();
  await media.cleanup();
}
process.exit(0);
