import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import { until } from '../../test/helpers/until.js';
import { ProgressReporter } from './progress-reporter.js';
import { RedisProgressBus } from './redis.progress-bus.js';
import { removeKeys } from '../../test/helpers/cleanup.js';

const config = testConfig();
const log = createLogger('silent');
const bus = new RedisProgressBus(config.redis, log);
const redis = new Redis(config.redis.url);
const id = '0b6f3a52-8e4f-4a8e-9d55-0d7a1f6c2b10';

afterAll(async () => {
  await removeKeys(config, redis);
  redis.disconnect();
  await bus.close();
});

describe('progress reporter', () => {
  it('throttles in-stage updates, estimates the time left and always publishes the stage start', async () => {
    let now = 0;
    const reporter = new ProgressReporter(bus, log, () => now, 1000);
    const stage = reporter.begin(id, 'PROCESSING', 'transcribe', 'Transcribing');
    now = 500;
    stage.update(0.1); // inside the interval: coalesced away
    now = 2000;
    stage.update(0.25, 'Transcribing (0:30 of 2:00)');
    now = 2100;
    stage.update(0.3); // coalesced
    await stage.flush();
    const latest = await bus.latest(id);
    expect(latest).toMatchObject({ seq: 2, stage: 'transcribe', percent: 32, message: 'Transcribing (0:30 of 2:00)', etaSeconds: 6 });
  });

  it('reports failures with the code and the user’s sentence', async () => {
    const reporter = new ProgressReporter(bus, log);
    await reporter.fail(id, 'todos', new AppError('LLM_INVALID_OUTPUT', 'The notes writer kept answering in the wrong format.'));
    expect(await bus.latest(id)).toMatchObject({
      status: 'FAILED',
      stage: 'todos',
      error: { code: 'LLM_INVALID_OUTPUT', message: 'The notes writer kept answering in the wrong format.' },
    });
  });

  it('never stops the pipeline when Redis is unreachable', async () => {
    const down = new RedisProgressBus({ url: 'redis://127.0.0.1:1', keyPrefix: config.redis.keyPrefix }, log);
    const reporter = new ProgressReporter(down, log);
    await expect(reporter.report(id, 'PROCESSING', 'audio', 0.5, 'Extracting the audio')).resolves.toBeUndefined();
    const stage = reporter.begin(id, 'PROCESSING', 'audio', 'Extracting the audio');
    await expect(stage.flush()).resolves.toBeUndefined();
    await down.close();
  });

  it('publishes a final state that fell into an outage once Redis is back', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
    const flaky = new RedisProgressBus({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: config.redis.keyPrefix }, log);
    try {
      const finalId = '3c0e2a52-8e4f-4a8e-9d55-0d7a1f6c2b11';
      const reporter = new ProgressReporter(flaky, log, Date.now, 1000, 100);
      await flaky.ping();
      proxy.setAccepting(false);
      proxy.dropConnections();
      await reporter.report(finalId, 'PROCESSING', 'todos', 0.5, 'lost in the outage, and that is fine');
      await reporter.report(finalId, 'COMPLETED', 'done', 1, 'Done');
      expect(await bus.latest(finalId)).toBeNull();
      proxy.setAccepting(true);
      const latest = await until('the final event', async () => bus.latest(finalId), 15_000);
      expect(latest).toMatchObject({ status: 'COMPLETED', stage: 'done', percent: 100 });
    } finally {
      await flaky.close();
      await proxy.close();
    }
  });
});
