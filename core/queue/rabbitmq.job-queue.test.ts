import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { QueueName } from '../domain/job.js';
import { createLogger } from '../logger.js';
import { testConfig } from '../../test/helpers/config.js';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.js';
import {
  aborted,
  deadLettersOf,
  describeJobQueueContract,
  latch,
  newJob,
  recorder,
  type QueueUnderTest,
  type SeenDeadLetter,
} from '../../test/contracts/job-queue.contract.js';
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

interface Opened extends QueueUnderTest {
  queue: RabbitJobQueue;
  names: ReturnType<typeof topologyNames>['queues']['transcribe'];
}

const parsed = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
};

function seen(msg: GetMessage): SeenDeadLetter {
  const headers = msg.properties.headers ?? {};
  const code = headers[HEADERS.errorCode] as string | undefined;
  return {
    body: parsed(msg.content.toString()),
    reason: headers[HEADERS.deadReason] as string,
    attempt: headers[HEADERS.attempt] as number,
    detail: headers[HEADERS.errorMessage] as string,
    ...(code ? { code } : {}),
  };
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
  const topology = topologyNames(config.amqp).queues;
  /** Dead letters are taken off their queue to be read, so they are kept here for later reads. */
  const dead = new Map<QueueName, SeenDeadLetter[]>();
  return {
    queue,
    names: topology.transcribe,
    async deadLetters(q) {
      const letters = dead.get(q) ?? [];
      dead.set(q, letters);
      for (let m = await inspector.get(topology[q].dead, { noAck: true }); m; m = await inspector.get(topology[q].dead, { noAck: true })) {
        letters.push(seen(m));
      }
      return [...letters];
    },
    async publishRaw(q, body) {
      inspector.sendToQueue(topology[q].main, Buffer.from(body), { persistent: true });
    },
    async backlog(q) {
      const counts = await Promise.all([topology[q].main, ...topology[q].retries].map(readyCount));
      return counts.reduce((a, b) => a + b, 0);
    },
  };
}

async function readyCount(queueName: string): Promise<number> {
  return (await inspector.checkQueue(queueName)).messageCount;
}

describe('RabbitJobQueue', () => {
  describeJobQueueContract((env) => openQueue(env));

  it('declares the topology: main, retry and dead-letter queues under the prefix', async () => {
    const { queue, names } = await openQueue();
    await queue.ping();
    for (const name of [names.main, ...names.retries, names.dead]) await inspector.checkQueue(name);
    expect(names.retries).toEqual([`${names.main}.retry.1`, `${names.main}.retry.2`, `${names.main}.retry.3`]);
  });

  it('dead-letters bytes that are not JSON and keeps consuming', async () => {
    const q = await openQueue();
    const { calls, handler } = recorder();
    await q.queue.consume('transcribe', handler);

    await q.publishRaw('transcribe', '{not json');
    const valid = newJob();
    await q.queue.publish('transcribe', valid);

    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]!.job).toEqual(valid);
    const [dead] = await deadLettersOf(q, 'transcribe', 1);
    expect(dead).toMatchObject({ body: '{not json', reason: 'invalid-message', detail: expect.stringMatching(/^not JSON/) as unknown });
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

      const unavailable = { code: 'QUEUE_UNAVAILABLE', retryable: true, userMessage: expect.stringMatching(/job queue/) as unknown };
      await expect(queue.publish('transcribe', newJob())).rejects.toMatchObject(unavailable);
      await expect(queue.depth('transcribe')).rejects.toMatchObject(unavailable);
      await expect(queue.ping()).rejects.toMatchObject(unavailable);
      proxy.setAccepting(true);
    });
  });
});
