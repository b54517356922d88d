import type { Channel } from 'amqplib';
import type { Config } from '../config.js';
import { QUEUES, type QueueName } from '../domain/job.js';

/**
 * RabbitMQ names and arguments (docs/architecture.md#job-queue), under `amqp.queuePrefix` (empty in production).
 *
 *   exchange `whisper-notes` (direct) ── routing key = queue name ──> every queue below
 *   `transcribe`, `todos`           quorum; the broker dead-letters to `<queue>.dead` after DELIVERY_LIMIT
 *                                   redeliveries (a consumer that keeps dying mid-job)
 *   `<queue>.retry.<n>`             quorum, no consumers; after `x-message-ttl` = retryDelaysMs[n-1] the broker
 *                                   dead-letters the message back to `<queue>`: a delayed retry without plugins
 *   `<queue>.dead`                  quorum; failed and unreadable jobs, kept for an operator
 */
export const EXCHANGE = 'whisper-notes';

/**
 * Redeliveries a quorum queue allows before it dead-letters a message. A safety net against crash loops,
 * not the retry policy (that is JOB_MAX_ATTEMPTS): a graceful shutdown or a dropped connection also counts.
 * Fixed, because the broker refuses to redeclare a queue with different arguments.
 */
export const DELIVERY_LIMIT = 10;

/** Headers our consumer reads and writes. */
export const HEADERS = {
  /** 1 on first delivery; the number of the attempt a delayed retry will be. */
  attempt: 'x-attempt',
  /** On dead letters: why (a DeadReason). */
  deadReason: 'x-dead-reason',
  /** On dead letters: the AppError code, when the job failed with one. */
  errorCode: 'x-error-code',
  /** On dead letters: the failure's detail, for an operator. */
  errorMessage: 'x-error-message',
} as const;

export type DeadReason = 'invalid-message' | 'not-retryable' | 'attempts-exhausted';

export interface QueueNames {
  main: string;
  /** `<queue>.retry.<n>`; index i holds retries after attempt i + 1. */
  retries: string[];
  dead: string;
}

export interface TopologyNames {
  exchange: string;
  queues: Record<QueueName, QueueNames>;
}

type TopologyConfig = Pick<Config['amqp'], 'queuePrefix' | 'retryDelaysMs'>;

export function topologyNames(amqp: TopologyConfig): TopologyNames {
  const names = (queue: QueueName): QueueNames => {
    const main = `${amqp.queuePrefix}${queue}`;
    return { main, retries: amqp.retryDelaysMs.map((_, i) => `${main}.retry.${i + 1}`), dead: `${main}.dead` };
  };
  return {
    exchange: `${amqp.queuePrefix}${EXCHANGE}`,
    queues: { transcribe: names('transcribe'), todos: names('todos') },
  };
}

/** The retry queue for a job whose attempt `failedAttempt` failed; attempts beyond the list reuse the last delay. */
export function retryQueueFor(names: QueueNames, failedAttempt: number): string {
  return names.retries[Math.min(failedAttempt, names.retries.length) - 1]!;
}

/**
 * Dead-lettering by the broker (delivery limit, retry delays) republishes before it drops the original:
 * a broker crash in between cannot lose the message. RabbitMQ requires reject-publish overflow for it.
 */
const deadLetterTo = (exchange: string, routingKey: string) => ({
  'x-dead-letter-exchange': exchange,
  'x-dead-letter-routing-key': routingKey,
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
});

/** Declares everything (idempotent); run on every (re)connection. */
export async function assertTopology(channel: Channel, amqp: TopologyConfig): Promise<void> {
  const { exchange, queues } = topologyNames(amqp);
  await channel.assertExchange(exchange, 'direct', { durable: true });
  const declare = async (queue: string, args: Record<string, unknown> = {}) => {
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum', ...args } });
    await channel.bindQueue(queue, exchange, queue);
  };
  for (const queue of QUEUES) {
    const q = queues[queue];
    await declare(q.dead);
    await declare(q.main, { 'x-delivery-limit': DELIVERY_LIMIT, ...deadLetterTo(exchange, q.dead) });
    for (const [i, retry] of q.retries.entries()) {
      await declare(retry, { 'x-message-ttl': amqp.retryDelaysMs[i], ...deadLetterTo(exchange, q.main) });
    }
  }
}

/** Removes every queue and the exchange a prefix created (tests). Refuses the production (empty) prefix. */
export async function deleteTopology(channel: Channel, amqp: TopologyConfig): Promise<void> {
  if (amqp.queuePrefix === '') throw new Error('deleteTopology refuses to delete the unprefixed (production) topology');
  const { exchange, queues } = topologyNames(amqp);
  for (const queue of QUEUES) {
    const q = queues[queue];
    for (const name of [q.main, ...q.retries, q.dead]) await channel.deleteQueue(name);
  }
  await channel.deleteExchange(exchange);
}
