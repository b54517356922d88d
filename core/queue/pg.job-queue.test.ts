import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { createKnex, type Knex } from '../db/knex.js';
import { QUEUES, type QueueName } from '../domain/job.js';
import { createLogger } from '../logger.js';
import { testEnv } from '../../test/helpers/config.js';
import { embeddedDataDir, removeScratchDataDirs } from '../../test/helpers/database.js';
import { until } from '../../test/helpers/until.js';
import { aborted, deadLettersOf, describeJobQueueContract, latch, newJob, recorder, type QueueUnderTest } from '../../test/contracts/job-queue.contract.js';
import { JOB_TABLE, JobTable } from './job-table.js';
import { PgJobQueue, type PgJobQueueOptions } from './pg.job-queue.js';
import { DELIVERY_LIMIT } from './topology.js';

const silent = createLogger('silent');

/**
 * The environment of a process on a box running each database engine: the run's scratch PostgreSQL
 * (migrated by test/global-setup.ts), or embedded PGlite in a migrated data directory of its own.
 */
const engines = [
  { engine: 'postgres', env: async () => testEnv() },
  {
    engine: 'pglite',
    env: async () => {
      // Unset, not empty: DATABASE_URL being set is what selects PostgreSQL.
      const { DATABASE_URL: _, ...env } = testEnv({ DATA_DIR: await embeddedDataDir() });
      return env;
    },
  },
];

/** Queue names no other test sees, or the same names for several queue instances (processes, in effect). */
const freshPrefix = () => ({ AMQP_QUEUE_PREFIX: `wn-test-${randomBytes(4).toString('hex')}.` });

interface TableUnderTest extends QueueUnderTest {
  queue: PgJobQueue;
  /** The queue's name in the table. */
  nameOf(queue: QueueName): string;
  /** The queue's rows as an operator would query them. */
  rows(queue: QueueName): Promise<Array<Record<string, unknown>>>;
}

describe.each(engines)('PgJobQueue on $engine', ({ env }) => {
  let engineEnv: Record<string, string>;
  /** The engine's database, as this process opens it; what the tests read behind the queues' backs. */
  let db: Database;

  beforeAll(async () => {
    engineEnv = await env();
    db = await openDatabase(loadConfig(engineEnv), silent);
  });

  afterAll(async () => {
    await db?.close();
    await removeScratchDataDirs();
  });

  /** Another pool on the same database, as a second process has; closed when the test ends. */
  async function anotherPool(): Promise<Knex> {
    const other = await openDatabase(loadConfig(engineEnv), silent);
    onTestFinished(() => other.close());
    return other.knex;
  }

  /** A table queue under a queue prefix of its own (unless `env` names one); its rows go when the test ends. */
  async function openTable(env: Record<string, string> = {}, options: PgJobQueueOptions = {}, pool?: Knex): Promise<TableUnderTest> {
    const { knex } = db;
    const config = loadConfig({ ...engineEnv, ...freshPrefix(), ...env });
    const queue = new PgJobQueue(pool ?? knex, config.amqp, silent, options);
    const nameOf = (q: QueueName) => `${config.amqp.queuePrefix}${q}`;
    onTestFinished(async () => {
      await queue.close();
      await knex(JOB_TABLE).whereIn('queue', QUEUES.map(nameOf)).delete();
    });
    // Dead rows, the only ones read field by field, always have a reason and a detail.
    type JobRow = { queue: string; status: string; payload: unknown; attempt: number; dead_reason: string; error_code: string | null; error_detail: string };
    const rows = (q: QueueName) => knex<JobRow>(JOB_TABLE).where({ queue: nameOf(q) }).orderBy('id');
    return {
      queue,
      nameOf,
      rows,
      async deadLetters(q) {
        const dead = (await rows(q)).filter((r) => r.status === 'dead');
        return dead.map((r) => ({
          body: r.payload,
          reason: r.dead_reason,
          attempt: r.attempt,
          detail: r.error_detail,
          ...(r.error_code ? { code: r.error_code } : {}),
        }));
      },
      publishRaw: (q, body) => new JobTable(knex).insert(nameOf(q), body),
      async backlog(q) {
        return (await rows(q)).filter((r) => r.status !== 'dead').length;
      },
    };
  }

  // Polling never runs within a test here: every delivery must come from waking local consumers.
  describeJobQueueContract((env) => openTable(env, { pollIntervalMs: 60_000 }));

  it('picks up jobs another process publishes by polling', async () => {
    const env = freshPrefix();
    const consumerSide = await openTable(env, { pollIntervalMs: 50 });
    const publisherSide = await openTable(env);
    const { calls, handler } = recorder();
    await consumerSide.queue.consume('transcribe', handler);

    const job = newJob();
    await publisherSide.queue.publish('transcribe', job);
    await vi.waitFor(() => expect(calls.map((c) => c.job)).toEqual([job]), { timeout: 5_000 });
  });

  it('never hands a job to two consumers on separate connection pools', async () => {
    const pools = [await anotherPool(), await anotherPool()];
    const env = { ...freshPrefix(), PROCESSOR_PREFETCH: '4' };
    const sides = await Promise.all(pools.map((pool) => openTable(env, { pollIntervalMs: 20 }, pool)));
    const jobs = Array.from({ length: 40 }, newJob);
    for (const job of jobs) await sides[0]!.queue.publish('transcribe', job);

    const ran: string[] = [];
    await Promise.all(
      sides.map((side) =>
        side.queue.consume('transcribe', async (job) => {
          ran.push(job.sessionId);
          await sleep(5); // holds the slot while the other side claims
        }),
      ),
    );

    await until('every job to be acked', async () => (await sides[0]!.backlog('transcribe')) === 0);
    expect(ran.sort()).toEqual(jobs.map((j) => j.sessionId).sort());
  });

  it("runs a killed processor's job again once its lease runs out, on the same attempt", async () => {
    const env = { ...engineEnv, ...freshPrefix() };
    const holder = spawnHolder(env, 500);
    onTestFinished(() => void holder.kill('SIGKILL'));
    const job = newJob();
    const table = await openTable(env, { pollIntervalMs: 50 });
    await table.queue.publish('transcribe', job);
    await until('the other process to hold the job', async () => holder.output().includes(`holding ${job.sessionId}`));
    const [row] = await table.rows('transcribe');
    expect(row).toMatchObject({ status: 'running', lease_owner: expect.stringContaining(`pid ${holder.pid}`) as unknown });

    holder.kill('SIGKILL');
    const { calls, handler } = recorder();
    await table.queue.consume('transcribe', handler);
    await vi.waitFor(() => expect(calls).toHaveLength(1), { timeout: 10_000 });
    expect(calls[0]).toMatchObject({ job, attempt: 1 });
    await until('the job to be acked', async () => (await table.backlog('transcribe')) === 0);
  });

  it('renews the lease while a long handler runs, so nobody else takes the job', async () => {
    const env = freshPrefix();
    // Short, but with room for a renewal that a busy two-core machine delays by a few hundred milliseconds.
    const leaseMs = 600;
    const owner = await openTable(env, { leaseMs });
    const other = await openTable(env, { leaseMs, pollIntervalMs: 20 });
    const started = latch();
    const done = latch();
    await owner.queue.consume('transcribe', async (_job, ctx) => {
      started.resolve();
      await Promise.race([done.promise, aborted(ctx.signal)]);
    });
    const elsewhere = recorder();
    await other.queue.consume('transcribe', elsewhere.handler);
    await owner.queue.publish('transcribe', newJob());
    await started.promise;

    const leaseEnd = async () => ((await owner.rows('transcribe'))[0]!.lease_expires_at as Date).getTime();
    const first = await leaseEnd();
    // Three lease lengths: without renewals the other consumer, polling all along, would have taken it.
    await until('the lease to be renewed well past its first end', async () => (await leaseEnd()) - first >= 3 * leaseMs);
    done.resolve();
    await until('the job to be acked', async () => (await owner.backlog('transcribe')) === 0);
    expect(elsewhere.calls).toEqual([]);
  });

  it('dead-letters a job whose processors keep dying, once its lost leases reach the delivery limit', async () => {
    const table = await openTable({}, { pollIntervalMs: 60_000 });
    const [doomed, survivor] = [newJob(), newJob()];
    // As killed processors leave them: running under a lease that ran out. Claiming such a row counts one more.
    for (const [job, lostLeases] of [
      [doomed, DELIVERY_LIMIT - 1],
      [survivor, DELIVERY_LIMIT - 2],
    ] as const) {
      await db.knex(JOB_TABLE).insert({
        queue: table.nameOf('transcribe'),
        payload: JSON.stringify(job),
        status: 'running',
        attempt: 2,
        lease_owner: 'a processor that was killed',
        lease_expires_at: db.knex.raw(`now() - interval '1 second'`),
        lost_leases: lostLeases,
      });
    }
    const { calls, handler } = recorder();
    await table.queue.consume('transcribe', handler);

    const [dead] = await deadLettersOf(table, 'transcribe', 1);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toMatchObject({ job: survivor, attempt: 2 });
    expect(dead).toMatchObject({ body: doomed, reason: 'delivery-limit', attempt: 2 });
    expect(dead!.detail).toMatch(new RegExp(`${DELIVERY_LIMIT} times`));
  });

  it('keeps queue prefixes apart in one table', async () => {
    const first = await openTable();
    const second = await openTable();
    const theirs = newJob();
    await first.queue.publish('transcribe', theirs);
    expect(await second.queue.depth('transcribe')).toBe(0);

    // With prefetch 1 and oldest first, the second consumer would take `theirs` before its own job.
    const { calls, handler } = recorder();
    await second.queue.consume('transcribe', handler);
    const ours = newJob();
    await second.queue.publish('transcribe', ours);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]!.job).toEqual(ours);
    expect(await first.queue.depth('transcribe')).toBe(1);
  });
});

it('fails publish, depth, ping and consume clearly when the database cannot be reached', async () => {
  const unreachable = createKnex('postgres://postgres@127.0.0.1:1/none', { min: 0, max: 1 });
  onTestFinished(() => unreachable.destroy());
  const queue = new PgJobQueue(unreachable, loadConfig(testEnv()).amqp, silent);
  onTestFinished(() => queue.close());

  const unavailable = { code: 'QUEUE_UNAVAILABLE', retryable: true, userMessage: expect.stringMatching(/job queue/) as unknown };
  await expect(queue.publish('transcribe', newJob())).rejects.toMatchObject(unavailable);
  await expect(queue.depth('transcribe')).rejects.toMatchObject(unavailable);
  await expect(queue.ping()).rejects.toMatchObject(unavailable);
  await expect(queue.consume('transcribe', recorder().handler)).rejects.toMatchObject(unavailable);
});

/**
 * Another process consuming the table with a short lease, whose handler holds every job forever: killed
 * with SIGKILL, it leaves its job running under a lease nobody renews.
 */
function spawnHolder(env: Record<string, string>, leaseMs: number) {
  const module = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  const script = `
    const { loadConfig } = await import(${module('../config.ts')});
    const { openDatabase } = await import(${module('../db/database.ts')});
    const { createLogger } = await import(${module('../logger.ts')});
    const { PgJobQueue } = await import(${module('./pg.job-queue.ts')});
    const config = loadConfig();
    const log = createLogger('silent');
    const { knex } = await openDatabase(config, log);
    const queue = new PgJobQueue(knex, config.amqp, log, { leaseMs: ${leaseMs}, pollIntervalMs: 50 });
    await queue.consume('transcribe', async (job) => {
      console.log('holding ' + job.sessionId);
      await new Promise(() => {});
    });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { pid: child.pid, output: () => output, kill: (signal: NodeJS.Signals) => child.kill(signal) };
}
