/**
 * 1,000 concurrent status-page viewers on one web process: publish → receipt latency (p50/p99) through
 * Redis pub/sub and the event streams, the server's memory per viewer, and its Redis connections (which
 * must not grow with viewers: one subscriber per process). Viewers run in a child process.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { createCore } from '../core/app.js';
import { signSessionToken } from '../core/links.js';
import { createLogger } from '../core/logger.js';
import { DEFAULT_OPTIONS } from '../core/sessions/session.service.js';
import { startS3 } from '../test/helpers/s3-server.js';
import { buildWebApp } from '../web/app.js';
import { benchConfig, report } from './lib.js';
import { removeQueuesAndKeys } from '../test/helpers/cleanup.js';
import { createScratchDatabase } from '../test/helpers/database.js';

const VIEWERS = Number(process.env.BENCH_SSE_VIEWERS ?? 1000);
const SESSIONS = Number(process.env.BENCH_SSE_SESSIONS ?? 10);
const EVENTS = Number(process.env.BENCH_SSE_EVENTS ?? 20);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 1024 / 1024, rss: m.rss / 1024 / 1024 };
};

const database = await createScratchDatabase('wn_bench');
const s3 = await startS3();
const linkSecret = randomBytes(32).toString('hex');
const config = benchConfig(database.url, s3.endpoint, {
  LINK_SECRET: linkSecret,
});
const core = await createCore(config, createLogger('silent'));
const app = buildWebApp(core, { linkSecret });
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const redis = new Redis(config.redis.url);

const userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: 'bench' });
const ids = await Promise.all(
  Array.from({ length: SESSIONS }, async () => {
    const id = randomUUID();
    await core.sessions.create({
      id, userId, filename: 'bench.mp4', sourceKind: 'upload', options: DEFAULT_OPTIONS,
      origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
    });
    await core.sessions.transition(id, ['UPLOADING'], { status: 'PROCESSING', stage: 'transcribe' });
    await core.progress.report(id, 'PROCESSING', 'transcribe', 0, 'sent=0');
    return id;
  }),
);

async function redisConnections(): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${config.redis.keyPrefix}`)).length;
}
// The subscriber connects with the first viewer; open it first so the count before and after compares like with like.
await core.feed.subscribe(randomUUID(), () => undefined).ready;
const connectionsBefore = await redisConnections();
const before = heapMb();

const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sse-viewers.ts', String(EVENTS)], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const nextLine = async (prefix: string) => {
  for (;;) {
    const { value, done } = (await lines.next()) as IteratorResult<string, undefined>;
    if (done) throw new Error('viewer process ended early');
    if (value.startsWith(prefix)) return value.slice(prefix.length);
  }
};
child.stdin.write(`${JSON.stringify(Array.from({ length: VIEWERS }, (_, i) => {
  const id = ids[i % SESSIONS]!;
  return `${base}/api/progress/${id}?t=${signSessionToken(id, linkSecret)}`;
}))}\n`);
await nextLine('READY ');
const after = heapMb();
const connectionsWithViewers = await redisConnections();

for (let n = 1; n <= EVENTS; n++) {
  await Promise.all(ids.map((id) =>
    core.bus.publish({ sessionId: id, status: 'PROCESSING', stage: 'transcribe', percent: n, message: `sent=${performance.timeOrigin + performance.now()}` }),
  ));
  await new Promise((r) => setTimeout(r, 50));
}
const latency = JSON.parse(await nextLine('DONE ')) as { deliveries: number; p50: number; p99: number; max: number };
const ms = (n: number) => Math.round(n * 10) / 10;

report({
  bench: 'sse',
  viewers: VIEWERS,
  sessions: SESSIONS,
  events: EVENTS * SESSIONS,
  deliveries: latency.deliveries,
  p50Ms: ms(latency.p50),
  p99Ms: ms(latency.p99),
  maxMs: ms(latency.max),
  heapPerViewerKb: Math.round(((after.heap - before.heap) * 1024) / VIEWERS * 10) / 10,
  rssPerViewerKb: Math.round(((after.rss - before.rss) * 1024) / VIEWERS * 10) / 10,
  redisConnectionsBefore: connectionsBefore,
  redisConnectionsWithViewers: connectionsWithViewers,
});

child.kill();
await app.close();
await removeQueuesAndKeys(config, redis);
redis.disconnect();
await core.close();
await s3.close();
await database.drop();
