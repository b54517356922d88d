import type { Knex } from 'knex';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { describeError } from './failures.js';
import type { JobQueue } from './job-queue.js';
import { PgJobQueue } from './pg.job-queue.js';
import { RabbitJobQueue } from './rabbitmq.job-queue.js';

/**
 * The job queue `config.engines.queue` names: RabbitMQ when AMQP_URL is set, else the job table in the
 * database `knex` reaches (migrated). Both read attempts, delays, prefetch and the name prefix from `config.amqp`.
 */
export async function connectJobQueue(config: Config, knex: Knex, log: Logger): Promise<JobQueue> {
  if (config.engines.queue === 'rabbitmq') return RabbitJobQueue.connect(config.amqp, log);
  const queue = new PgJobQueue(knex, config.amqp, log);
  try {
    await queue.ping();
  } catch (err) {
    const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
    throw new Error(`Could not use the job table in the database (has it been migrated? npm run migrate): ${describeError(cause)}`, {
      cause: err,
    });
  }
  return queue;
}
