import { Redis } from 'ioredis';
import { removeKeys } from '../../test/helpers/cleanup.js';
import { testConfig } from '../../test/helpers/config.js';
import { createLogger } from '../logger.js';
import { eventStreamContract, parseNumber } from '../../test/contracts/event-stream.contract.js';
import { RedisStreamConsumer } from './redis.stream-consumer.js';

const log = createLogger('silent');

eventStreamContract('Redis', async () => {
  const config = testConfig();
  const redis = new Redis(config.redis.url);
  const stream = `${config.redis.keyPrefix}events`;
  const group = `${config.redis.keyPrefix}bots`;
  return {
    reader: (consumer, claimIdleMs = 30_000) =>
      new RedisStreamConsumer<number>({ redisUrl: config.redis.url, stream, group, consumer, field: 'n', parse: parseNumber, claimIdleMs, blockMs: 100 }, log),
    append: async (raw) => void (await redis.xadd(stream, '*', 'n', raw)),
    groupCreated: async () => ((await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[]).length > 0,
    pending: async (consumer) =>
      consumer ? (await redis.xpending(stream, group, '-', '+', 10, consumer)).length : Number((await redis.xpending(stream, group))[0]),
    cleanup: async () => {
      await removeKeys(config, redis);
      redis.disconnect();
    },
  };
});
