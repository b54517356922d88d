import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { jobMessageSchema, type JobMessage, type QueueName } from '../../core/domain/job.js';
import { AppError } from '../../core/errors.js';
import { DeferJob, type JobContext, type JobHandler, type JobQueue } from '../../core/queue/job-queue.js';

/**
 * The behaviour every JobQueue engine owes the processors (job-queue.ts, docs/architecture.md#job-queue), as one suite that each
 * engine's test file runs over its own factory, so an engine cannot drift from the others unnoticed.
 */

/** A dead letter as the engine stores it, read behind the queue's back. */
export interface SeenDeadLetter {
  /** The message, parsed as JSON where it is JSON. */
  body: unknown;
  reason: string;
  attempt: number;
  code?: string;
  detail: string;
}

export interface QueueUnderTest {
  queue: JobQueue;
  /** Every dead letter of `queue` so far, oldest first. */
  deadLetters(queue: QueueName): Promise<SeenDeadLetter[]>;
  /** Puts `body` (JSON text) on `queue` without publish's validation, as an older or foreign producer could. */
  publishRaw(queue: QueueName, body: string): Promise<void>;
  /** Messages still held for `queue`, ready or waiting for a delayed retry; dead letters not counted. */
  backlog(queue: QueueName): Promise<number>;
}

/**
 * Opens a queue configured by testConfig(env), under names no other test sees; it is closed, and what it
 * left removed, when the test ends.
 */
export type OpenQueueUnderTest = (env?: Record<string, string>) => Promise<QueueUnderTest>;

export const newJob = (): JobMessage => jobMessageSchema.parse({ v: 1, sessionId: randomUUID() });

/** A one-shot latch a test awaits until the handler reaches a point. */
export function latch() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve: () => resolve() };
}

export const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve())));

/** A handler that records every call and fails as the test says. */
export function recorder(behaviour: (job: JobMessage, ctx: JobContext) => Promise<void> | void = () => {}) {
  const calls: Array<{ job: JobMessage; attempt: number; isLastAttempt: boolean }> = [];
  const handler: JobHandler = async (job, ctx) => {
    calls.push({ job, attempt: ctx.attempt, isLastAttempt: ctx.isLastAttempt });
    await behaviour(job, ctx);
  };
  return { calls, handler };
}

/** Waits until `queue` has `count` dead letters, and returns them. */
export async function deadLettersOf(q: QueueUnderTest, queue: QueueName, count: number): Promise<SeenDeadLetter[]> {
  let letters: SeenDeadLetter[] = [];
  await vi.waitFor(
    async () => {
      letters = await q.deadLetters(queue);
      expect(letters).toHaveLength(count);
    },
    { timeout: 10_000, interval: 20 },
  );
  return letters;
}

export function describeJobQueueContract(open: OpenQueueUnderTest): void {
  describe('JobQueue contract', () => {
    it('delivers a published job and acks it', async () => {
      const q = await open();
      await q.queue.ping();
      const job = newJob();
      await q.queue.publish('transcribe', job);
      expect(await q.queue.depth('transcribe')).toBe(1);

      const { calls, handler } = recorder();
      const consumer = await q.queue.consume('transcribe', handler);
      await vi.waitFor(() => expect(calls).toHaveLength(1));
      await consumer.stop();

      expect(calls[0]).toEqual({ job, attempt: 1, isLastAttempt: false });
      // Acked: stopping the consumer would have put an unsettled message back.
      expect(await q.queue.depth('transcribe')).toBe(0);
      expect(await q.backlog('transcribe')).toBe(0);
      expect(await q.queue.depth('todos')).toBe(0);
    });

    it('keeps the queues apart', async () => {
      const q = await open();
      const transcribe = recorder();
      const todos = recorder();
      await q.queue.consume('transcribe', transcribe.handler);
      await q.queue.consume('todos', todos.handler);
      const [a, b] = [newJob(), newJob()];
      await q.queue.publish('transcribe', a);
      await q.queue.publish('todos', b);

      await vi.waitFor(() => expect([transcribe.calls.length, todos.calls.length]).toEqual([1, 1]));
      expect(transcribe.calls[0]!.job).toEqual(a);
      expect(todos.calls[0]!.job).toEqual(b);
    });

    it('retries a failing job after a delay, counting attempts, until it succeeds', async () => {
      const q = await open({ JOB_MAX_ATTEMPTS: '4' });
      const { calls, handler } = recorder((_job, ctx) => {
        if (ctx.attempt < 3) throw new Error('WhisperX is restarting');
      });
      const consumer = await q.queue.consume('transcribe', handler);
      const job = newJob();
      await q.queue.publish('transcribe', job);

      await vi.waitFor(() => expect(calls).toHaveLength(3), { timeout: 10_000 });
      await consumer.stop();

      expect(calls.map((c) => [c.attempt, c.isLastAttempt])).toEqual([
        [1, false],
        [2, false],
        [3, false],
      ]);
      expect(calls.every((c) => c.job.sessionId === job.sessionId)).toBe(true);
      expect(await q.backlog('transcribe')).toBe(0);
      expect(await q.deadLetters('transcribe')).toEqual([]);
    });

    it('waits the configured delay before a retry', async () => {
      const q = await open({ JOB_RETRY_DELAYS_MS: '600' });
      const startedAt: number[] = [];
      const { calls, handler } = recorder((_job, ctx) => {
        startedAt.push(Date.now());
        if (ctx.attempt === 1) throw new Error('the LLM timed out');
      });
      await q.queue.consume('transcribe', handler);
      await q.queue.publish('transcribe', newJob());

      await vi.waitFor(() => expect(calls).toHaveLength(2), { timeout: 10_000 });
      // A lower bound only (a slow machine may take longer), with room for timer granularity.
      expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(550);
    });

    it('runs a deferred job again later without spending an attempt, even past the attempt limit', async () => {
      const q = await open({ JOB_MAX_ATTEMPTS: '2', JOB_RETRY_DELAYS_MS: '100,200' });
      const startedAt: number[] = [];
      const { calls, handler } = recorder(() => {
        startedAt.push(Date.now());
        // Another processor holds this session's claim: come back later.
        if (startedAt.length <= 3) throw new DeferJob(300, 'another processor holds this job');
      });
      await q.queue.consume('transcribe', handler);
      const job = newJob();
      await q.queue.publish('transcribe', job);

      await vi.waitFor(() => expect(calls).toHaveLength(4), { timeout: 10_000 });
      expect(calls.map((c) => [c.attempt, c.isLastAttempt])).toEqual([
        [1, false],
        [1, false],
        [1, false],
        [1, false],
      ]);
      expect(calls.every((c) => c.job.sessionId === job.sessionId)).toBe(true);
      // Later, not at once (a lower bound only: the broker rounds to its retry delays).
      expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(90);
      await vi.waitFor(async () => expect(await q.backlog('transcribe')).toBe(0));
      expect(await q.deadLetters('transcribe')).toEqual([]);
    });

    it('dead-letters a job whose attempts run out, with the reason', async () => {
      const q = await open({ JOB_MAX_ATTEMPTS: '3' });
      const { calls, handler } = recorder(() => {
        throw new Error('WhisperX crashed');
      });
      await q.queue.consume('transcribe', handler);
      const job = newJob();
      await q.queue.publish('transcribe', job);

      const [dead] = await deadLettersOf(q, 'transcribe', 1);
      expect(calls.map((c) => [c.attempt, c.isLastAttempt])).toEqual([
        [1, false],
        [2, false],
        [3, true],
      ]);
      expect(dead).toEqual({ body: job, reason: 'attempts-exhausted', code: 'INTERNAL', attempt: 3, detail: 'WhisperX crashed' });
      expect(await q.queue.depth('transcribe')).toBe(0);
      expect(await q.backlog('transcribe')).toBe(0);
    });

    it('dead-letters a job that fails with a non-retryable error at once', async () => {
      const q = await open();
      const { calls, handler } = recorder(() => {
        throw new AppError('UNSUPPORTED_MEDIA', 'This file is not a video or audio recording.', false);
      });
      const consumer = await q.queue.consume('transcribe', handler);
      const job = newJob();
      await q.queue.publish('transcribe', job);

      const [dead] = await deadLettersOf(q, 'transcribe', 1);
      await consumer.stop();
      expect(calls.map((c) => c.attempt)).toEqual([1]);
      expect(dead).toMatchObject({ body: job, reason: 'not-retryable', code: 'UNSUPPORTED_MEDIA', attempt: 1 });
      expect(await q.backlog('transcribe')).toBe(0);
    });

    it('dead-letters messages that are not jobs and keeps consuming', async () => {
      const q = await open();
      const { calls, handler } = recorder();
      await q.queue.consume('transcribe', handler);

      const foreign = [{ v: 2, sessionId: 'nope' }, { v: 1 }];
      for (const body of foreign) await q.publishRaw('transcribe', JSON.stringify(body));
      const valid = newJob();
      await q.queue.publish('transcribe', valid);

      await vi.waitFor(() => expect(calls).toHaveLength(1));
      expect(calls[0]!.job).toEqual(valid);
      const dead = await deadLettersOf(q, 'transcribe', 2);
      expect(dead.map((d) => d.body)).toEqual(foreign);
      for (const d of dead) expect(d).toMatchObject({ reason: 'invalid-message', attempt: 1, detail: expect.stringMatching(/sessionId/) as unknown });
    });

    it('with prefetch 1 never runs two handlers at once', async () => {
      const q = await open({ PROCESSOR_PREFETCH: '1' });
      for (let i = 0; i < 4; i++) await q.queue.publish('transcribe', newJob());
      let active = 0;
      let mostActive = 0;
      const { calls, handler } = recorder(async () => {
        mostActive = Math.max(mostActive, ++active);
        await sleep(50); // room for a second delivery, were the engine allowed to hand one out
        active--;
      });
      await q.queue.consume('transcribe', handler);
      await vi.waitFor(() => expect(calls).toHaveLength(4), { timeout: 10_000 });
      expect(mostActive).toBe(1);
    });

    it('with prefetch 3 runs three handlers at once', async () => {
      const q = await open({ PROCESSOR_PREFETCH: '3' });
      for (let i = 0; i < 3; i++) await q.queue.publish('transcribe', newJob());
      let active = 0;
      const { calls, handler } = recorder(async () => {
        active++;
        await vi.waitFor(() => expect(active).toBe(3), { timeout: 5_000 }); // only passes if all three are in hand
      });
      await q.queue.consume('transcribe', handler);
      await vi.waitFor(() => expect(calls).toHaveLength(3), { timeout: 10_000 });
    });

    it('stop() signals the handler and waits for the job in hand to finish', async () => {
      const q = await open();
      let finished = false;
      const started = latch();
      const consumer = await q.queue.consume('transcribe', async (_job, ctx) => {
        started.resolve();
        await aborted(ctx.signal);
        await sleep(50); // storing what it has
        finished = true;
      });
      await q.queue.publish('transcribe', newJob());
      await started.promise;

      await consumer.stop();
      expect(finished).toBe(true);
      expect(await q.backlog('transcribe')).toBe(0);
    });

    it('stop() requeues a job whose handler gives up because it was aborted, without using an attempt', async () => {
      const q = await open();
      const started = latch();
      const first = await q.queue.consume('transcribe', async (_job, ctx) => {
        started.resolve();
        await aborted(ctx.signal);
        throw new Error('aborted');
      });
      const job = newJob();
      await q.queue.publish('transcribe', job);
      await started.promise;
      await first.stop();

      expect(await q.queue.depth('transcribe')).toBe(1);
      expect(await q.backlog('transcribe')).toBe(1);
      expect(await q.deadLetters('transcribe')).toEqual([]);
      const { calls, handler } = recorder();
      await q.queue.consume('transcribe', handler);
      await vi.waitFor(() => expect(calls).toHaveLength(1));
      expect(calls[0]).toMatchObject({ job, attempt: 1 });
    });

    it('close() stops its consumers and refuses further use', async () => {
      const q = await open();
      const started = latch();
      let finished = false;
      await q.queue.consume('transcribe', async (_job, ctx) => {
        started.resolve();
        await aborted(ctx.signal);
        finished = true;
      });
      await q.queue.publish('transcribe', newJob());
      await started.promise;

      await q.queue.close();
      expect(finished).toBe(true);
      await expect(q.queue.publish('transcribe', newJob())).rejects.toThrow(/closed/);
    });
  });
}
