import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../config.js';
import { createKnex, type Knex } from '../db/knex.js';
import { createLogger } from '../logger.js';
import { testConfig, testEnv } from '../../test/helpers/config.js';
import { ADMIN_URL } from '../../test/helpers/database.js';
import { connectJobQueue } from './index.js';
import { PgJobQueue } from './pg.job-queue.js';
import { RabbitJobQueue } from './rabbitmq.job-queue.js';
import { deleteTopology } from './topology.js';

const silent = createLogger('silent');
let knex: Knex;

beforeAll(() => {
  knex = createKnex(testConfig().databaseUrl);
});

afterAll(async () => {
  await knex.destroy();
});

describe('connectJobQueue', () => {
  it('uses RabbitMQ when AMQP_URL is set', async () => {
    const config = testConfig();
    const queue = await connectJobQueue(config, knex, silent);
    onTestFinished(async () => {
      await queue.close();
      const admin = await connect(config.amqp.url);
      await deleteTopology(await admin.createChannel(), config.amqp);
      await admin.close();
    });
    expect(queue).toBeInstanceOf(RabbitJobQueue);
  });

  it('uses the job table in the database when AMQP_URL is not set', async () => {
    const { AMQP_URL: _, ...env } = testEnv();
    const queue = await connectJobQueue(loadConfig(env), knex, silent);
    onTestFinished(() => queue.close());
    expect(queue).toBeInstanceOf(PgJobQueue);
    expect(await queue.depth('transcribe')).toBe(0);
  });

  it('says so when the database has no job table', async () => {
    const { AMQP_URL: _, ...env } = testEnv();
    const unmigrated = createKnex(ADMIN_URL, { min: 0, max: 1 });
    onTestFinished(() => unmigrated.destroy());
    await expect(connectJobQueue(loadConfig(env), unmigrated, silent)).rejects.toThrow(
      /job table.*migrated\?.*relation "queue_jobs" does not exist/,
    );
  });
});
