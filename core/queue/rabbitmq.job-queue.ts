import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type Options,
  type RecoveringChannelModel,
} from 'amqplib';
import { z } from 'zod';
import type { Config } from '../config.js';
import { jobMessageSchema, type JobMessage, type JobMessageInput, type QueueName } from '../domain/job.js';
import type { Logger } from '../logger.js';
import { describeError, failureOutcome, logFailure, MAX_DETAIL_CHARS, queueUnavailable, type DeadLetter } from './failures.js';
import type { Consumer, JobContext, JobHandler, JobQueue } from './job-queue.js';
import { assertTopology, HEADERS, retryQueueFor, topologyNames, type QueueNames, type TopologyNames } from './topology.js';

type AmqpConfig = Config['amqp'];

export interface RabbitJobQueueOptions {
  /** How long publish, consume and depth wait for a lost connection to come back before failing. */
  reconnectWaitMs?: number;
}

const DEFAULT_RECONNECT_WAIT_MS = 30_000;
/** Readiness probes answer quickly: a broker that is not there now is not ready. */
const PING_WAIT_MS = 5_000;
/** Reconnection backoff; at start-up it gives up after ~15 s so a wrong AMQP_URL fails the deployment. */
const RECOVERY = { initialDelay: 250, maxDelay: 10_000, factor: 2, jitter: 0.2, initialMaxRetries: 6 } as const;
/** Resolves like `promise`, or rejects after `ms`; `onLate` receives a value that arrives after the deadline. */
async function within<T>(promise: Promise<T>, ms: number, onLate?: (value: T) => void): Promise<T> {
  const deadline = new AbortController();
  const timeout = sleep(ms, undefined, { signal: deadline.signal }).then(() => {
    if (onLate) promise.then(onLate, () => {});
    throw new Error(`no connection to RabbitMQ within ${ms} ms`);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    deadline.abort();
    timeout.catch(() => {});
  }
}

const STOPPED = Symbol('stopped');

/** Resolves like `promise`, or with STOPPED as soon as `signal` aborts. */
async function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof STOPPED> {
  if (signal.aborted) return STOPPED;
  let onAbort = () => {};
  const aborted = new Promise<typeof STOPPED>((resolve) => {
    onAbort = () => resolve(STOPPED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function closeQuietly(channel: Channel): Promise<void> {
  try {
    await channel.close();
  } catch {
    // Already closed with its connection: nothing left to release.
  }
}

/** A channel closed by the broker emits 'error'; unheard, that would be thrown. */
function watch<C extends Channel>(channel: C, log: Logger): C {
  channel.on('error', (err: Error) => log.warn({ err }, 'RabbitMQ closed a channel'));
  return channel;
}

/** Publishes a persistent message and resolves once the broker has confirmed it is stored. */
function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish,
): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      channel.publish(exchange, routingKey, content, { ...options, persistent: true }, (err: unknown) =>
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- amqplib passes an Error or null; anything else shows as it stringifies
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
      );
    } catch (err) {
      reject(err); // the channel was already closed
    }
  });
}

const attemptHeader = z.number().int().positive().catch(1);

function attemptOf(msg: ConsumeMessage): number {
  return attemptHeader.parse(msg.properties.headers?.[HEADERS.attempt]);
}

function parseJob(content: Buffer): { job: JobMessage } | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { invalid: `not JSON: ${describeError(err)}` };
  }
  const parsed = jobMessageSchema.safeParse(json);
  return parsed.success ? { job: parsed.data } : { invalid: z.prettifyError(parsed.error) };
}

/** The properties a retried or dead-lettered copy keeps from the original. */
function carried(msg: ConsumeMessage): Options.Publish {
  const { messageId, contentType } = msg.properties as { messageId: unknown; contentType: unknown };
  return {
    ...(typeof messageId === 'string' ? { messageId } : {}),
    ...(typeof contentType === 'string' ? { contentType } : {}),
  };
}

/**
 * For a deferral: the retry queue whose fixed delay comes closest to `delayMs` without passing it, or the
 * shortest when every one does, so a deferred job is back about when asked rather than much later.
 */
function retryQueueWithin(names: QueueNames, retryDelaysMs: readonly number[], delayMs: number): string {
  let best = 0;
  for (const [i, ms] of retryDelaysMs.entries()) {
    const bestMs = retryDelaysMs[best]!;
    if (bestMs > delayMs ? ms < bestMs : ms <= delayMs && ms > bestMs) best = i;
  }
  return names.retries[best]!;
}

interface ConsumerDeps {
  connection: RecoveringChannelModel;
  exchange: string;
  names: QueueNames;
  amqp: AmqpConfig;
  handler: JobHandler;
  log: Logger;
}

/**
 * One subscription to one queue that outlives connections: each (re)connection gets a fresh confirm channel,
 * and retries and dead letters are published on the channel the message came from, so the copy is confirmed
 * before the original is acked.
 */
class RabbitConsumer implements Consumer {
  /** Resolves once the first subscription is in place. */
  readonly subscribed: Promise<void>;
  private markSubscribed = () => {};
  private readonly stopRequested = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loop: Promise<void>;
  private stopping: Promise<void> | null = null;

  constructor(private readonly deps: ConsumerDeps) {
    this.subscribed = new Promise((resolve) => (this.markSubscribed = resolve));
    this.loop = this.run();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopRequested.abort();
      await this.loop;
    })();
    return this.stopping;
  }

  private async run(): Promise<void> {
    const { connection, log } = this.deps;
    const stop = this.stopRequested.signal;
    let failures = 0;
    while (!stop.aborted) {
      try {
        // Waits while the connection is down: recovery hands out a channel once it is back.
        const opening = connection.createConfirmChannel();
        const channel = await unlessAborted(opening, stop);
        if (channel === STOPPED) {
          opening.then(closeQuietly, () => {});
          break;
        }
        await this.serve(watch(channel, log));
        failures = 0;
      } catch (err) {
        if (stop.aborted) break;
        failures += 1;
        const delayMs = Math.min(250 * 2 ** failures, 10_000);
        log.warn({ err, delayMs }, 'could not consume; trying again');
        await unlessAborted(sleep(delayMs), stop);
      }
    }
  }

  /** Consumes on one channel until it closes or the consumer stops, then waits for the handlers it started. */
  private async serve(channel: ConfirmChannel): Promise<void> {
    const { amqp, names, log } = this.deps;
    const closed = new Promise<'closed'>((resolve) => channel.once('close', () => resolve('closed')));
    const jobs = new AbortController();
    try {
      await channel.prefetch(amqp.prefetch);
      const { consumerTag } = await channel.consume(names.main, (msg) => {
        if (msg === null) {
          // Cancelled by the broker (queue deleted or moved): a fresh channel subscribes again.
          log.warn('RabbitMQ cancelled the subscription; subscribing again');
          void closeQuietly(channel);
          return;
        }
        const handling = this.handle(channel, msg, jobs.signal);
        this.inFlight.add(handling);
        void handling.finally(() => this.inFlight.delete(handling));
      });
      this.markSubscribed();
      const ended = await unlessAborted(closed, this.stopRequested.signal);
      if (ended === STOPPED) {
        await channel.cancel(consumerTag).catch((err: unknown) => log.warn({ err }, 'could not cancel the subscription'));
        jobs.abort(new Error('the consumer is stopping'));
      } else {
        // The broker has already requeued what this channel held; handlers should let go of it.
        log.warn('lost the RabbitMQ channel; handlers in progress are aborted and their jobs redelivered');
        jobs.abort(new Error('the connection to RabbitMQ was lost'));
      }
      // Waiting here keeps the prefetch bound across reconnections: no new deliveries until these settle.
      await Promise.allSettled([...this.inFlight]);
    } finally {
      await closeQuietly(channel);
    }
  }

  private async handle(channel: ConfirmChannel, msg: ConsumeMessage, signal: AbortSignal): Promise<void> {
    const attempt = attemptOf(msg);
    const log = this.deps.log.child({ messageId: msg.properties.messageId as unknown, attempt });
    try {
      const parsed = parseJob(msg.content);
      if ('invalid' in parsed) {
        log.error({ detail: parsed.invalid }, 'unreadable job message; dead-lettered');
        await this.deadLetter(channel, msg, { reason: 'invalid-message', attempt, detail: parsed.invalid });
        return;
      }
      const ctx: JobContext = { attempt, isLastAttempt: attempt >= this.deps.amqp.maxAttempts, signal };
      try {
        await this.deps.handler(parsed.job, ctx);
      } catch (err) {
        await this.settleFailure(channel, msg, err, ctx, log.child({ sessionId: parsed.job.sessionId }));
        return;
      }
      channel.ack(msg);
    } catch (err) {
      // Settling needs the channel; without it the broker redelivers the message on the next one.
      log.warn({ err }, 'could not settle a job message; RabbitMQ will redeliver it');
    }
  }

  private async settleFailure(channel: ConfirmChannel, msg: ConsumeMessage, err: unknown, ctx: JobContext, log: Logger) {
    const outcome = failureOutcome(err, ctx, this.deps.amqp.retryDelaysMs);
    switch (outcome.action) {
      case 'requeue':
        logFailure(log, err, outcome);
        channel.nack(msg, false, true);
        return;
      case 'dead':
        logFailure(log, err, outcome);
        return this.deadLetter(channel, msg, outcome.letter);
      case 'defer': {
        const retryQueue = retryQueueWithin(this.deps.names, this.deps.amqp.retryDelaysMs, outcome.delayMs);
        logFailure(log, err, outcome, { retryQueue });
        return this.sendBackLater(channel, msg, retryQueue, ctx.attempt);
      }
      case 'retry': {
        const retryQueue = retryQueueFor(this.deps.names, ctx.attempt);
        logFailure(log, err, outcome, { retryQueue });
        return this.sendBackLater(channel, msg, retryQueue, outcome.nextAttempt);
      }
    }
  }

  /** The retry queue's message TTL is the delay: the broker sends the copy back when it falls due. */
  private async sendBackLater(channel: ConfirmChannel, msg: ConsumeMessage, retryQueue: string, attempt: number): Promise<void> {
    await publishConfirmed(channel, this.deps.exchange, retryQueue, msg.content, { ...carried(msg), headers: { [HEADERS.attempt]: attempt } });
    channel.ack(msg);
  }

  private async deadLetter(channel: ConfirmChannel, msg: ConsumeMessage, letter: DeadLetter): Promise<void> {
    await publishConfirmed(channel, this.deps.exchange, this.deps.names.dead, msg.content, {
      ...carried(msg),
      headers: {
        [HEADERS.attempt]: letter.attempt,
        [HEADERS.deadReason]: letter.reason,
        [HEADERS.errorMessage]: letter.detail.slice(0, MAX_DETAIL_CHARS),
        ...(letter.code ? { [HEADERS.errorCode]: letter.code } : {}),
      },
    });
    channel.ack(msg);
  }
}

/**
 * The job queue on RabbitMQ (docs/architecture.md#job-queue). The connection recovers by itself (amqplib's recovery): every
 * (re)connection declares the topology first, consumers resubscribe, and calls made during an outage wait
 * for the connection to come back, up to `reconnectWaitMs`.
 */
export class RabbitJobQueue implements JobQueue {
  private publisher: Promise<ConfirmChannel> | null = null;
  private readonly consumers = new Set<RabbitConsumer>();
  private closed = false;

  private constructor(
    private readonly connection: RecoveringChannelModel,
    private readonly amqp: AmqpConfig,
    private readonly names: TopologyNames,
    private readonly log: Logger,
    private readonly reconnectWaitMs: number,
  ) {}

  // `log` comes named by the caller (core/app.ts): naming the component again would repeat the key in every line.
  static async connect(amqp: AmqpConfig, log: Logger, options: RabbitJobQueueOptions = {}): Promise<RabbitJobQueue> {
    const connection = await connect(amqp.url, {
      timeout: 10_000,
      clientProperties: { connection_name: `whisper-notes pid ${process.pid}` },
      recovery: {
        ...RECOVERY,
        waitForConnect: false,
        setup: async (model: ChannelModel) => {
          // Errors surface through the recovering connection once it adopts the model; until then, ignore them.
          model.on('error', () => {});
          const channel = watch(await model.createChannel(), log);
          try {
            await assertTopology(channel, amqp);
          } finally {
            await closeQuietly(channel);
          }
        },
      },
    });
    connection.on('connect', () => log.info('connected to RabbitMQ'));
    connection.on('connect-failed', (err: Error) => log.warn({ err }, 'could not connect to RabbitMQ'));
    connection.on('disconnect', (err: Error) => log.warn({ err }, 'lost the connection to RabbitMQ; reconnecting'));
    connection.on('reconnect-failed', (err: Error) => log.error({ err }, 'gave up reconnecting to RabbitMQ'));
    // The same failure also arrives as 'disconnect'; this listener only keeps it from being thrown.
    connection.on('error', (err: Error) => log.debug({ err }, 'RabbitMQ connection error'));
    connection.on('blocked', (reason: string) => log.warn({ reason }, 'RabbitMQ is holding back publishes'));
    connection.on('unblocked', () => log.info('RabbitMQ accepts publishes again'));
    try {
      await connection.waitForConnect();
    } catch (err) {
      throw new Error(`Could not connect to RabbitMQ (AMQP_URL): ${describeError(err)}`, { cause: err });
    }
    const reconnectWaitMs = options.reconnectWaitMs ?? DEFAULT_RECONNECT_WAIT_MS;
    return new RabbitJobQueue(connection, amqp, topologyNames(amqp), log, reconnectWaitMs);
  }

  async publish(queue: QueueName, job: JobMessageInput): Promise<void> {
    this.assertOpen();
    const content = Buffer.from(JSON.stringify(jobMessageSchema.parse(job)));
    const options = { contentType: 'application/json', messageId: randomUUID(), headers: { [HEADERS.attempt]: 1 } };
    const deadline = Date.now() + this.reconnectWaitMs;
    // A channel lost before the confirm leaves the outcome unknown: publish again (jobs are idempotent).
    for (;;) {
      try {
        const channel = await within(this.publisherChannel(), Math.max(0, deadline - Date.now()));
        await publishConfirmed(channel, this.names.exchange, this.names.queues[queue].main, content, options);
        return;
      } catch (err) {
        if (this.closed || Date.now() >= deadline) throw queueUnavailable(err);
        this.log.warn({ err, queue, messageId: options.messageId }, 'publish not confirmed; trying again');
        await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
      }
    }
  }

  async consume(queue: QueueName, handler: JobHandler): Promise<Consumer> {
    this.assertOpen();
    const names = this.names.queues[queue];
    const consumer = new RabbitConsumer({
      connection: this.connection,
      exchange: this.names.exchange,
      names,
      amqp: this.amqp,
      handler,
      log: this.log.child({ queue: names.main }),
    });
    this.consumers.add(consumer);
    try {
      await within(consumer.subscribed, this.reconnectWaitMs);
    } catch (err) {
      await consumer.stop();
      this.consumers.delete(consumer);
      throw queueUnavailable(err);
    }
    return consumer;
  }

  async depth(queue: QueueName): Promise<number> {
    const main = this.names.queues[queue].main;
    return this.withChannel(this.reconnectWaitMs, async (channel) => (await channel.checkQueue(main)).messageCount);
  }

  async ping(): Promise<void> {
    await this.withChannel(Math.min(PING_WAIT_MS, this.reconnectWaitMs), (channel) =>
      channel.checkExchange(this.names.exchange),
    );
  }

  /** Stops every consumer (their jobs finish or are requeued), then closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    await this.connection.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the job queue is closed');
  }

  /** One confirm channel for all publishes, reopened after it closes. */
  private publisherChannel(): Promise<ConfirmChannel> {
    if (!this.publisher) {
      const opening = this.connection.createConfirmChannel().then((channel) => {
        channel.once('close', () => {
          if (this.publisher === opening) this.publisher = null;
        });
        return watch(channel, this.log);
      });
      opening.catch(() => {
        if (this.publisher === opening) this.publisher = null;
      });
      this.publisher = opening;
    }
    return this.publisher;
  }

  /** A short-lived channel: a failed check (such as a missing queue) closes only it. */
  private async withChannel<T>(waitMs: number, use: (channel: Channel) => Promise<T>): Promise<T> {
    let channel: Channel;
    try {
      channel = watch(await within(this.connection.createChannel(), waitMs, (late) => void closeQuietly(late)), this.log);
    } catch (err) {
      throw queueUnavailable(err);
    }
    try {
      return await use(channel);
    } finally {
      await closeQuietly(channel);
    }
  }
}
