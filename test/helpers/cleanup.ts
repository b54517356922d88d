import { connect } from 'amqplib';
import type { Redis } from 'ioredis';
import type { Config } from '../../core/config.js';
import { deleteTopology } from '../../core/queue/topology.js';

/** Removes what a test's prefixes created on the shared broker and Redis, so runs leave nothing behind. */
export async function removeQueuesAndKeys(config: Config, redis: Redis): Promise<void> {
  const conn = await connect(config.amqp.url);
  await deleteTopology(await conn.createChannel(), config.amqp);
  await conn.close();
  await removeKeys(config, redis);
}

export async function removeKeys(config: Config, redis: Redis): Promise<void> {
  const keys = await redis.keys(`${config.redis.keyPrefix}*`);
  if (keys.length) await redis.del(...keys);
}
