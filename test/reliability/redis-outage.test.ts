import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

/**
 * Redis carries progress only: while it cannot be reached the pipeline keeps working (each event fails
 * within seconds and is logged), and once it is back the progress that follows, the final state included,
 * lands.
 */

let proxy: TcpProxy;
let h: PipelineHarness;

beforeAll(async () => {
  proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
  h = await startPipelineHarness({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  h.redis.on('error', () => undefined); // the harness's own reader goes through the outage too
});
afterAll(async () => {
  proxy?.setAccepting(true);
  await h?.close();
  await proxy?.close();
});

describe('Redis unavailable for a while', () => {
  it('does not stop a job in the middle of transcription, and the final state is the latest progress event', async () => {
    const { core } = h;
    const session = await h.processingSession();
    const before = h.whisperx.requests.length;
    h.whisperx.failNext({ kind: 'delay', ms: 6_000 }); // the outage begins and ends inside the transcription
    await core.queue.publish('transcribe', { v: 1, sessionId: session.id, options: DEFAULT_OPTIONS });
    await until('the transcription to start', async () => h.whisperx.requests.length > before);

    proxy.setAccepting(false);
    proxy.dropConnections();
    const started = Date.now();
    await expect(core.progress.report(session.id, 'PROCESSING', 'transcribe', 0.3, 'during the outage')).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000); // failed fast instead of waiting for Redis
    await new Promise((r) => setTimeout(r, 1_500));
    proxy.setAccepting(true);

    const done = await h.finalState(session.id, 30_000);
    expect(done.status).toBe('COMPLETED');
    expect((await core.sessionService.results(session.id)).todos?.todos.length).toBeGreaterThan(0);
    const latest = await until('the final progress event', async () => {
      const e = await core.bus.latest(session.id).catch(() => null);
      return e?.status === 'COMPLETED' ? e : null;
    });
    expect(latest).toMatchObject({ stage: 'done', percent: 100 });
  });
});
