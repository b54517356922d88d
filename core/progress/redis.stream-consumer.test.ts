import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { createLogger } from '../logger.js';
import { RedisStreamConsumer } from './redis.stream-consumer.js';
import { removeKeys } from '../../test/helpers/cleanup.js';

const config = testConfig();
const redis = new Redis(config.redis.url);
const log = createLogger('silent');
const stream = `${config.redis.keyPrefix}events`;
const group = `${config.redis.keyPrefix}bots`;

afterAll(async () => {
  await removeKeys(config, redis);
  redis.disconnect();
});

const consumer = (name: string, claimIdleMs = 30_000) =>
  new RedisStreamConsumer<number>(
    { redisUrl: config.redis.url, stream, group, consumer: name, field: 'n', parse: (raw) => (/^\d+$/.test(raw) ? Number(raw) : null), claimIdleMs, blockMs: 100 },
    log,
  );

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stream consumer group', () => {
  it('hands each entry to exactly one of two replicas and acks it; skips unreadable entries', async () => {
    const seen: [string, number][] = [];
    const a = consumer('a');
    const b = consumer('b');
    a.start(async (n) => void seen.push(['a', n]));
    b.start(async (n) => void seen.push(['b', n]));
    await until(async () => ((await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[]).length > 0);
    for (let i = 0; i < 40; i++) await redis.xadd(stream, '*', 'n', String(i));
    await redis.xadd(stream, '*', 'n', 'garbage');
    await until(() => seen.length >= 40);
    await until(async () => Number((await redis.xpending(stream, group))[0]) === 0);
    await Promise.all([a.stop(), b.stop()]);
    expect(seen.map(([, n]) => n).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('re-delivers what a consumer had not finished: to itself after a restart, or to another once abandoned', async () => {
    const failing = consumer('crashy');
    const attempts: number[] = [];
    failing.start(async (n) => {
      attempts.push(n);
      throw new Error('bot died mid-edit');
    });
    await redis.xadd(stream, '*', 'n', '100');
    await until(() => attempts.includes(100));
    await failing.stop();

    const restarted = consumer('crashy');
    const handled: number[] = [];
    restarted.start(async (n) => void handled.push(n));
    await until(() => handled.includes(100));
    await restarted.stop();

    const dead = consumer('dead');
    dead.start(async () => {
      throw new Error('never finishes');
    });
    await redis.xadd(stream, '*', 'n', '200');
    await until(async () => (await redis.xpending(stream, group, '-', '+', 10, 'dead')).length > 0);
    await dead.stop();
    const rescuer = consumer('rescuer', 200);
    const rescued: number[] = [];
    rescuer.start(async (n) => void rescued.push(n));
    await until(() => rescued.includes(200));
    await rescuer.stop();
    expect(Number((await redis.xpending(stream, group))[0])).toBe(0);
  });
});
