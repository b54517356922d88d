import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Config } from '../config.js';
import { jobMessageSchema, type JobMessage } from '../domain/job.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { testConfig } from '../../test/helpers/config.js';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.js';
import type { JobContext, JobHandler } from './job-queue.js';
import { RabbitJobQueue, type RabbitJobQueueOptions } from './rabbitmq.job-queue.js';
import { deleteTopology, HEADERS, topologyNames } from './topology.js';

const BROKER = { host: '127.0.0.1', port: 5672 };

/** A direct connection for what a test does behind the queue's back: raw publishes, reading dead letters, cleanup. */
let admin: ChannelModel;
let inspector: Channel;

beforeAll(async () => {
  admin = await connect(`amqp://guest:guest@${BROKER.host}:${BROKER.port}`);
  inspector = await admin.createChannel();
});

afterAll(async () => {
  await admin.close();
});

const newJob = (): JobMessage => jobMessageSchema.parse({ v: 1, sessionId: randomUUID() });

interface Opened {
  config: Config;
  queue: RabbitJobQueue;
  names: ReturnType<typeof topologyNames>['queues']['transcribe'];
}

/** A queue under a prefix of its own; closed, and its topology deleted, when the test ends. */
async function openQueue(
  env: Record<string, string> = {},
  options: { viaProxy?: TcpProxy } & RabbitJobQueueOptions = {},
): Promise<Opened> {
  const config = testConfig(env);
  const amqp = options.viaProxy
    ? { ...config.amqp, url: `amqp://guest:guest@127.0.0.1:${options.viaProxy.port}` }
    : config.amqp;
  const queue = await RabbitJobQueue.connect(amqp, createLogger(config.logLevel), options);
  onTestFinished(async () => {
    await queue.close();
    const cleanup = await admin.createChannel();
    await deleteTopology(cleanup, config.amqp);
    await cleanup.close();
  });
  return { config, queue, names: topologyNames(config.amqp).queues.transcribe };
}

/** Reads `count` messages off a queue (waiting for them to arrive). */
async function take(queueName: string, count: number): Promise<GetMessage[]> {
  const got: GetMessage[] = [];
  await vi.waitFor(
    async () => {
      const msg = await inspector.get(queueName, { noAck: true });
      if (msg) got.push(msg);
      expect(got).toHaveLength(count);
    },
    { timeout: 10_000, interval: 20 },
  );
  return got;
}

async function readyCount(queueName: string): Promise<number> {
  return (await inspector.checkQueue(queueName)).messageCount;
}

/** A one-shot latch a test awaits until the handler reaches a point. */
function latch() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve: () => resolve() };
}

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve())));

/** A handler that records every call and fails as the test says. */
function recorder(behaviour: (job: JobMessage, ctx: JobContext) => Promise<void> | void = () => {}) {
  const calls: Array<{ job: JobMessage; attempt: number; isLastAttempt: boolean }> = [];
  const handler: JobHandler = async (job, ctx) => {
    calls.push({ job, attempt: ctx.attempt, isLastAttempt: ctx.isLastAttempt });
    await behaviour(job, ctx);
  };
  return { calls, handler };
}

describe('RabbitJobQueue', () => {
  it('declares the topology, delivers a published job and acks it', async () => {
    const { queue, names } = await openQueue();
    await queue.ping();
    for (const name of [names.main, ...names.retries, names.dead]) await inspector.checkQueue(name);
    expect(names.retries).toEqual([`${names.main}.retry.1`, `${names.main}.retry.2`, `${names.main}.retry.3`]);

    const job = newJob();
    await queue.publish('transcribe', job);
    expect(await queue.depth('transcribe')).toBe(1);

    const { calls, handler } = recorder();
    const consumer = await queue.consume('transcribe', handler);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    await consumer.stop();

    expect(calls[0]).toEqual({ job, attempt: 1, isLastAttempt: false });
    // Acked: stopping the consumer would have put an unacked message back.
    expect(await queue.depth('transcribe')).toBe(0);
    expect(await queue.depth('todos')).toBe(0);
  });

  it('retries a failing job after a delay, counting attempts, until it succeeds', async () => {
    const { queue, names } = await openQueue({ JOB_MAX_ATTEMPTS: '4' });
    const { calls, handler } = recorder((_job, ctx) => {
      if (ctx.attempt < 3) throw new Error('WhisperX is restarting');
    });
    const consumer = await queue.consume('transcribe', handler);
    const job = newJob();
    await queue.publish('transcribe', job);

    await vi.waitFor(() => expect(calls).toHaveLength(3), { timeout: 10_000 });
    await consumer.stop();

    expect(calls.map((c) => [c.attempt, c.isLastAttempt])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(calls.every((c) => c.job.sessionId === job.sessionId)).toBe(true);
    for (const name of [names.main, ...names.retries, names.dead]) expect(await readyCount(name)).toBe(0);
  });

  it('dead-letters a job whose attempts run out, with the reason', async () => {
    const { queue, names } = await openQueue({ JOB_MAX_ATTEMPTS: '3' });
    const { calls, handler } = recorder(() => {
      throw new Error('WhisperX crashed');
    });
    await queue.consume('transcribe', handler);
    const job = newJob();
    await queue.publish('transcribe', job);

    const [dead] = await take(names.dead, 1);
    expect(calls.map((c) => [c.attempt, c.isLastAttempt])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(JSON.parse(dead!.content.toString())).toEqual(job);
    expect(dead!.properties.headers).toMatchObject({
      [HEADERS.deadReason]: 'attempts-exhausted',
      [HEADERS.errorCode]: 'INTERNAL',
      [HEADERS.attempt]: 3,
      [HEADERS.errorMessage]: 'WhisperX crashed',
    });
    expect(await readyCount(names.main)).toBe(0);
  });

  it('dead-letters a job that fails with a non-retryable error at once', async () => {
    const { queue, names } = await openQueue();
    const { calls, handler } = recorder(() => {
      throw new AppError('UNSUPPORTED_MEDIA', 'This file is not a video or audio recording.', false);
    });
    const consumer = await queue.consume('transcribe', handler);
    await queue.publish('transcribe', newJob());

    const [dead] = await take(names.dead, 1);
    await consumer.stop();
    expect(calls.map((c) => c.attempt)).toEqual([1]);
    expect(dead!.properties.headers).toMatchObject({
      [HEADERS.deadReason]: 'not-retryable',
      [HEADERS.errorCode]: 'UNSUPPORTED_MEDIA',
      [HEADERS.attempt]: 1,
    });
    for (const name of [names.main, ...names.retries]) expect(await readyCount(name)).toBe(0);
  });

  it('dead-letters unreadable messages and keeps consuming', async () => {
    const { queue, names } = await openQueue();
    const { calls, handler } = recorder();
    await queue.consume('transcribe', handler);

    inspector.sendToQueue(names.main, Buffer.from('{not json'), { persistent: true });
    inspector.sendToQueue(names.main, Buffer.from(JSON.stringify({ v: 2, sessionId: 'nope' })), { persistent: true });
    const valid = newJob();
    await queue.publish('transcribe', valid);

    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]!.job).toEqual(valid);
    const dead = await take(names.dead, 2);
    expect(dead.map((m) => m.content.toString())).toEqual(['{not json', JSON.stringify({ v: 2, sessionId: 'nope' })]);
    for (const m of dead) expect(m.properties.headers?.[HEADERS.deadReason]).toBe('invalid-message');
    expect(String(dead[0]!.properties.headers?.[HEADERS.errorMessage])).toMatch(/^not JSON/);
    expect(String(dead[1]!.properties.headers?.[HEADERS.errorMessage])).toMatch(/sessionId/);
  });

  it('with prefetch 1 never runs two handlers at once', async () => {
    const { queue } = await openQueue({ PROCESSOR_PREFETCH: '1' });
    for (let i = 0; i < 4; i++) await queue.publish('transcribe', newJob());
    let active = 0;
    let mostActive = 0;
    const { calls, handler } = recorder(async () => {
      mostActive = Math.max(mostActive, ++active);
      await sleep(50); // room for a second delivery, were the broker allowed to send one
      active--;
    });
    await queue.consume('transcribe', handler);
    await vi.waitFor(() => expect(calls).toHaveLength(4), { timeout: 10_000 });
    expect(mostActive).toBe(1);
  });

  it('with prefetch 3 runs three handlers at once', async () => {
    const { queue } = await openQueue({ PROCESSOR_PREFETCH: '3' });
    for (let i = 0; i < 3; i++) await queue.publish('transcribe', newJob());
    let active = 0;
    const { calls, handler } = recorder(async () => {
      active++;
      await vi.waitFor(() => expect(active).toBe(3), { timeout: 5_000 }); // only passes if all three are in hand
    });
    await queue.consume('transcribe', handler);
    await vi.waitFor(() => expect(calls).toHaveLength(3), { timeout: 10_000 });
  });

  it('stop() signals the handler and waits for the job in hand to finish', async () => {
    const { queue } = await openQueue();
    let finished = false;
    const started = latch();
    const consumer = await queue.consume('transcribe', async (_job, ctx) => {
      started.resolve();
      await aborted(ctx.signal);
      await sleep(50); // storing what it has
      finished = true;
    });
    await queue.publish('transcribe', newJob());
    await started.promise;

    await consumer.stop();
    expect(finished).toBe(true);
    expect(await queue.depth('transcribe')).toBe(0);
  });

  it('stop() requeues a job whose handler gives up because it was aborted, without using an attempt', async () => {
    const { queue, names } = await openQueue();
    const started = latch();
    const first = await queue.consume('transcribe', async (_job, ctx) => {
      started.resolve();
      await aborted(ctx.signal);
      throw new Error('aborted');
    });
    const job = newJob();
    await queue.publish('transcribe', job);
    await started.promise;
    await first.stop();

    expect(await queue.depth('transcribe')).toBe(1);
    for (const name of [...names.retries, names.dead]) expect(await readyCount(name)).toBe(0);
    const { calls, handler } = recorder();
    await queue.consume('transcribe', handler);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toMatchObject({ job, attempt: 1 });
  });

  describe('when connections drop', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startTcpProxy(BROKER);
    });
    afterAll(async () => {
      await proxy.close();
    });

    it('reconnects, redelivers the interrupted job and consumes jobs published after the drop', async () => {
      proxy.setAccepting(true);
      const { queue } = await openQueue({}, { viaProxy: proxy });
      const interrupted = newJob();
      const later = newJob();
      const started = latch();
      const completed: string[] = [];
      const { calls, handler } = recorder(async (job, ctx) => {
        if (job.sessionId === interrupted.sessionId && calls.length === 1) {
          started.resolve();
          await aborted(ctx.signal); // the consumer tells the handler its delivery is gone
          throw new Error('interrupted');
        }
        completed.push(job.sessionId);
      });
      await queue.consume('transcribe', handler);
      await queue.publish('transcribe', interrupted);
      await started.promise;

      proxy.dropConnections();
      await queue.publish('transcribe', later);

      await vi.waitFor(() => expect(completed.sort()).toEqual([interrupted.sessionId, later.sessionId].sort()), {
        timeout: 20_000,
      });
      const interruptedCalls = calls.filter((c) => c.job.sessionId === interrupted.sessionId);
      // Redelivered by the broker, not retried: it is still the first attempt.
      expect(interruptedCalls.map((c) => c.attempt)).toEqual([1, 1]);
      expect(await queue.depth('transcribe')).toBe(0);
    });

    it('holds a publish made during an outage until the connection is back', async () => {
      proxy.setAccepting(true);
      const { queue } = await openQueue({}, { viaProxy: proxy });
      const { calls, handler } = recorder();
      await queue.consume('transcribe', handler);

      proxy.setAccepting(false);
      proxy.dropConnections();
      const job = newJob();
      const publishing = queue.publish('transcribe', job);
      await sleep(300);
      proxy.setAccepting(true);
      await publishing;

      await vi.waitFor(() => expect(calls.map((c) => c.job)).toEqual([job]), { timeout: 20_000 });
      await queue.ping();
    });

    it('fails publish, depth and ping clearly when the outage outlasts the wait', async () => {
      proxy.setAccepting(true);
      const { queue } = await openQueue({}, { viaProxy: proxy, reconnectWaitMs: 300 });
      proxy.setAccepting(false);
      proxy.dropConnections();

      const unavailable = { code: 'QUEUE_UNAVAILABLE', retryable: true, userMessage: expect.stringMatching(/job queue/) };
      await expect(queue.publish('transcribe', newJob())).rejects.toMatchObject(unavailable);
      await expect(queue.depth('transcribe')).rejects.toMatchObject(unavailable);
      await expect(queue.ping()).rejects.toMatchObject(unavailable);
      proxy.setAccepting(true);
    });
  });
});
