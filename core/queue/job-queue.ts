import type { JobMessage, JobMessageInput, QueueName } from '../domain/job.js';

export interface JobContext {
  /** 1 on first delivery, counting delayed retries. */
  attempt: number;
  /** True when a failure now sends the job to the dead-letter queue instead of retrying. */
  isLastAttempt: boolean;
  /** Aborted when the consumer is shutting down: finish quickly or throw to requeue. */
  signal: AbortSignal;
}

/**
 * A job handler resolves when the work is stored (then the message is acked). A thrown AppError that is not
 * retryable dead-letters the message at once; a thrown DeferJob puts it back to run after its delay without
 * using an attempt; any other error is retried with a delay until attempts run out.
 */
export type JobHandler = (job: JobMessage, ctx: JobContext) => Promise<void>;

/**
 * Not a failure: the job cannot run now (another processor is working on the same session), so it goes
 * back to the queue to be delivered again after about `delayMs`, on the same attempt.
 */
export class DeferJob extends Error {
  override name = 'DeferJob';
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
  }
}

export interface Consumer {
  /** Stops taking new messages and waits for the ones in hand to finish or be requeued. */
  stop(): Promise<void>;
}

export interface JobQueue {
  /** Resolves once the message is stored durably (confirmed by RabbitMQ, or committed to the job table). */
  publish(queue: QueueName, job: JobMessageInput): Promise<void>;
  consume(queue: QueueName, handler: JobHandler): Promise<Consumer>;
  /** Messages waiting (ready) per queue, for status and benchmarks. */
  depth(queue: QueueName): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
