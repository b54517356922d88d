import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Config } from '../config.js';
import { jobMessageSchema, type JobMessageInput, type QueueName } from '../domain/job.js';
import type { Logger } from '../logger.js';
import { failureOutcome, logFailure, MAX_DETAIL_CHARS, queueUnavailable, type DeadLetter } from './failures.js';
import type { Consumer, JobContext, JobHandler, JobQueue } from './job-queue.js';
import { JobTable, type ClaimedJob } from './job-table.js';
import { DELIVERY_LIMIT } from './topology.js';

type AmqpConfig = Config['amqp'];

export interface PgJobQueueOptions {
  /** How often consumers look for jobs published by other processes; publishes in this process wake them at once. */
  pollIntervalMs?: number;
  /** How long a claimed job stays with its consumer between renewals: a killed processor's jobs run again after it. */
  leaseMs?: number;
}

const DEFAULT_POLL_INTERVAL_MS = 1_000;
const DEFAULT_LEASE_MS = 30_000;
/** Leases are renewed this many times per lease, so a renewal or two may fail without losing the job. */
const RENEWALS_PER_LEASE = 3;

/** Wakes a waiting loop; a wake while nobody waits is kept, so the next wait returns at once. */
class Wakeup {
  private pending = false;
  private waiter: (() => void) | null = null;

  wake(): void {
    this.pending = true;
    this.waiter?.();
  }

  /** Returns on a wake, after `ms`, or when `signal` aborts. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.pending && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.waiter = null;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        this.waiter = done;
      });
    }
    this.pending = false;
  }
}

interface ConsumerDeps {
  table: JobTable;
  /** The queue's name in the table (under the prefix). */
  queue: string;
  /** Written on the jobs this consumer leases: which process has them, for an operator. */
  owner: string;
  amqp: AmqpConfig;
  handler: JobHandler;
  leaseMs: number;
  pollIntervalMs: number;
  log: Logger;
}

/**
 * Claims up to `prefetch` jobs at a time and keeps their leases alive while its handlers run. Wakes on a
 * publish in this process, when a slot frees up or a local retry falls due, and polls for the rest.
 */
class TableConsumer implements Consumer {
  private readonly stopRequested = new AbortController();
  private readonly wakeup = new Wakeup();
  /** Jobs in hand by id, each with the controller that tells its handler to let go. */
  private readonly inHand = new Map<string, AbortController>();
  private readonly handling = new Set<Promise<void>>();
  private readonly renewal: NodeJS.Timeout;
  private renewing = false;
  private readonly loop: Promise<void>;
  private stopping: Promise<void> | null = null;

  constructor(private readonly deps: ConsumerDeps) {
    this.renewal = setInterval(() => void this.renewLeases(), Math.max(1, Math.floor(deps.leaseMs / RENEWALS_PER_LEASE)));
    this.loop = this.run();
  }

  get queue(): string {
    return this.deps.queue;
  }

  /** Looks for jobs now rather than at the next poll. */
  wake(): void {
    this.wakeup.wake();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopRequested.abort();
      await this.loop;
      for (const jobs of this.inHand.values()) jobs.abort(new Error('the consumer is stopping'));
      await Promise.allSettled([...this.handling]);
      // Only now: the leases of jobs still finishing are kept alive until they are settled.
      clearInterval(this.renewal);
    })();
    return this.stopping;
  }

  private async run(): Promise<void> {
    const { table, queue, owner, amqp, leaseMs, pollIntervalMs, log } = this.deps;
    const stop = this.stopRequested.signal;
    let failures = 0;
    while (!stop.aborted) {
      const free = amqp.prefetch - this.inHand.size;
      let filled = false;
      if (free > 0) {
        let jobs: ClaimedJob[];
        try {
          jobs = await table.claim(queue, owner, free, leaseMs);
          failures = 0;
        } catch (err) {
          failures += 1;
          const delayMs = Math.min(250 * 2 ** failures, 10_000);
          log.warn({ err, delayMs }, 'could not claim jobs; trying again');
          await sleep(delayMs, undefined, { signal: stop }).catch(() => {});
          continue;
        }
        if (stop.aborted) {
          await Promise.all(jobs.map((job) => this.settle(log, table.release(job.id, owner)).catch(() => {})));
          break;
        }
        for (const job of jobs) this.start(job);
        // A claim that filled every slot may have left more behind.
        filled = jobs.length === free;
      }
      if (!filled) await this.wakeup.wait(pollIntervalMs, stop);
    }
  }

  private start(job: ClaimedJob): void {
    const letGo = new AbortController();
    this.inHand.set(job.id, letGo);
    const handling = this.handle(job, letGo.signal).finally(() => {
      this.inHand.delete(job.id);
      this.handling.delete(handling);
      this.wakeup.wake(); // a slot is free
    });
    this.handling.add(handling);
  }

  private async handle(job: ClaimedJob, signal: AbortSignal): Promise<void> {
    const { table, owner, amqp, handler } = this.deps;
    const log = this.deps.log.child({ jobId: job.id, attempt: job.attempt });
    const bury = (letter: DeadLetter) => this.settle(log, table.bury(job.id, owner, letter));
    try {
      if (job.lostLeases >= DELIVERY_LIMIT) {
        // A job that kills its processor every time would otherwise take every processor down in turn.
        const detail = `its processor stopped without settling it ${job.lostLeases} times`;
        log.error({ lostLeases: job.lostLeases }, 'job keeps losing its processor; dead-lettered');
        await bury({ reason: 'delivery-limit', attempt: job.attempt, detail });
        return;
      }
      const parsed = jobMessageSchema.safeParse(job.payload);
      if (!parsed.success) {
        const detail = z.prettifyError(parsed.error).slice(0, MAX_DETAIL_CHARS);
        log.error({ detail }, 'unreadable job message; dead-lettered');
        await bury({ reason: 'invalid-message', attempt: job.attempt, detail });
        return;
      }
      const ctx: JobContext = { attempt: job.attempt, isLastAttempt: job.attempt >= amqp.maxAttempts, signal };
      try {
        await handler(parsed.data, ctx);
      } catch (err) {
        await this.settleFailure(job, err, ctx, log.child({ sessionId: parsed.data.sessionId }));
        return;
      }
      await this.settle(log, table.ack(job.id, owner));
    } catch (err) {
      log.warn({ err }, 'could not settle a job; it runs again once its lease runs out');
    }
  }

  private async settleFailure(job: ClaimedJob, err: unknown, ctx: JobContext, log: Logger): Promise<void> {
    const { table, owner, amqp } = this.deps;
    const outcome = failureOutcome(err, ctx, amqp.retryDelaysMs);
    logFailure(log, err, outcome);
    switch (outcome.action) {
      case 'requeue':
        return this.settle(log, table.release(job.id, owner));
      case 'dead':
        return this.settle(log, table.bury(job.id, owner, outcome.letter));
      case 'defer':
        return this.runLater(job, job.attempt, outcome.delayMs, log);
      case 'retry':
        return this.runLater(job, outcome.nextAttempt, outcome.delayMs, log);
    }
  }

  /** Ready again after `delayMs` as attempt `attempt`. */
  private async runLater(job: ClaimedJob, attempt: number, delayMs: number, log: Logger): Promise<void> {
    await this.settle(log, this.deps.table.retry(job.id, this.deps.owner, attempt, delayMs));
    // Most likely this consumer runs it again: look for it when it falls due rather than at a later poll.
    setTimeout(() => this.wakeup.wake(), delayMs).unref();
  }

  /** Awaits a settle statement; one that found the job leased to someone else is logged, not thrown. */
  private async settle(log: Logger, settling: Promise<boolean>): Promise<void> {
    if (!(await settling)) log.warn('the job was no longer leased to this consumer (its lease ran out); another one has it');
  }

  private async renewLeases(): Promise<void> {
    if (this.renewing || this.inHand.size === 0) return;
    this.renewing = true;
    const { table, owner, leaseMs, log } = this.deps;
    const ids = [...this.inHand.keys()];
    try {
      const held = await table.renew(ids, owner, leaseMs);
      for (const id of ids) {
        const letGo = held.has(id) ? undefined : this.inHand.get(id);
        if (!letGo) continue;
        // Renewed too late (the process stalled): the job may already run elsewhere, so this handler stops.
        log.warn({ jobId: id }, 'lost the lease on a job in hand; its handler is told to let go');
        letGo.abort(new Error('the lease on this job ran out'));
      }
    } catch (err) {
      log.warn({ err }, 'could not renew job leases; trying again');
    } finally {
      this.renewing = false;
    }
  }
}

/**
 * The job queue on a PostgreSQL table (migrations/20261126000000_job_table.ts), for a single box without
 * RabbitMQ, with RabbitMQ's rules: the same attempts, retry delays and dead-lettering (JOB_MAX_ATTEMPTS,
 * JOB_RETRY_DELAYS_MS), prefetch, and queue names under AMQP_QUEUE_PREFIX. Jobs are leased rather than held
 * by a connection, so a killed processor's jobs run again once their lease runs out.
 *
 * No LISTEN/NOTIFY (the embedded database multiplexes one backend, where notifications do not reach the
 * right connection) and no multi-statement transactions: every operation is one statement.
 */
export class PgJobQueue implements JobQueue {
  private readonly table: JobTable;
  private readonly consumers = new Set<TableConsumer>();
  private readonly log: Logger;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private closed = false;

  constructor(
    knex: Knex,
    private readonly amqp: AmqpConfig,
    logger: Logger,
    options: PgJobQueueOptions = {},
  ) {
    this.table = new JobTable(knex);
    // The caller names the component (core/app.ts): naming it again would repeat the key in every line.
    this.log = logger;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Resolves once the row is committed. */
  async publish(queue: QueueName, job: JobMessageInput): Promise<void> {
    this.assertOpen();
    const name = this.nameOf(queue);
    const payload = JSON.stringify(jobMessageSchema.parse(job));
    try {
      await this.table.insert(name, payload);
    } catch (err) {
      throw queueUnavailable(err);
    }
    for (const consumer of this.consumers) if (consumer.queue === name) consumer.wake();
  }

  /** Fails with QUEUE_UNAVAILABLE when the table cannot be reached; later outages are waited out. */
  async consume(queue: QueueName, handler: JobHandler): Promise<Consumer> {
    this.assertOpen();
    await this.ping();
    const name = this.nameOf(queue);
    const consumer = new TableConsumer({
      table: this.table,
      queue: name,
      owner: `${hostname()} pid ${process.pid} ${randomUUID().slice(0, 8)}`,
      amqp: this.amqp,
      handler,
      leaseMs: this.leaseMs,
      pollIntervalMs: this.pollIntervalMs,
      log: this.log.child({ queue: name }),
    });
    this.consumers.add(consumer);
    return {
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(consumer);
      },
    };
  }

  async depth(queue: QueueName): Promise<number> {
    try {
      return await this.table.readyCount(this.nameOf(queue));
    } catch (err) {
      throw queueUnavailable(err);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.table.ping();
    } catch (err) {
      throw queueUnavailable(err);
    }
  }

  /** Stops every consumer (their jobs finish or are released). The knex instance is the caller's to destroy. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    this.consumers.clear();
  }

  private nameOf(queue: QueueName): string {
    return `${this.amqp.queuePrefix}${queue}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the job queue is closed');
  }
}
