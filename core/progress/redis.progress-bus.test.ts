import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeKeys } from '../../test/helpers/cleanup.js';
import { testConfig } from '../../test/helpers/config.js';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { collector, progressEngineContract, update } from '../../test/contracts/progress-bus.contract.js';
import { parseProgressEvent, progressNames, PROGRESS_STREAM_FIELD, RedisProgressBus, RedisProgressFeed } from './redis.progress-bus.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const logger = createLogger('silent');

progressEngineContract('Redis', async () => {
  const config = testConfig();
  const names = progressNames(config.redis.keyPrefix);
  const admin = new Redis(config.redis.url);
  const opened: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(o: T) => (opened.push(o), o);
  return {
    newBus: (options) => track(new RedisProgressBus(config.redis, logger, options)),
    newFeed: (log = logger) => track(new RedisProgressFeed(config.redis, log)),
    streamed: async () => (await admin.xrange(names.stream, '-', '+')).map(([, fields]) => parseProgressEvent(fields[1]!)!),
    injectRaw: async (sessionId, raw) => void (await admin.publish(names.channel(sessionId), raw)),
    subscriptions: async (sessionId) => ((await admin.pubsub('NUMSUB', names.channel(sessionId))) as [string, number])[1],
    cleanup: async () => {
      await Promise.all(opened.map((o) => o.close()));
      await removeKeys(config, admin);
      await admin.quit();
    },
  };
});

describe('Redis progress engine specifics', () => {
  let redisConfig: Config['redis'];
  let names: ReturnType<typeof progressNames>;
  let admin: Redis;
  let opened: { close(): Promise<void> }[];

  beforeEach(() => {
    redisConfig = testConfig().redis;
    names = progressNames(redisConfig.keyPrefix);
    admin = new Redis(redisConfig.url);
    opened = [];
  });

  afterEach(async () => {
    await Promise.all(opened.map((o) => o.close()));
    const keys = await admin.keys(`${redisConfig.keyPrefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  const newBus = (options?: ConstructorParameters<typeof RedisProgressBus>[2]) => {
    const bus = new RedisProgressBus(redisConfig, logger, options);
    opened.push(bus);
    return bus;
  };

  /** Connections whose name carries this test's prefix: the ones our classes opened. */
  async function ourConnections(): Promise<string[]> {
    const list = (await admin.client('LIST')) as string;
    return list
      .split('\n')
      .map((line) => / name=(\S*)/.exec(line)?.[1] ?? '')
      .filter((name) => name.startsWith(redisConfig.keyPrefix));
  }

  it('stores events in their documented shape, in the stream under its field', async () => {
    const sessionId = randomUUID();
    const bus = newBus({ clock: () => new Date('2026-11-25T10:30:00.000Z') });
    const failed = await bus.publish(
      update(sessionId, 12, { status: 'FAILED', stage: 'audio', error: { code: 'NO_AUDIO', message: 'The recording has no sound.' } }),
    );
    // Stored in the documented field order (docs/architecture.md#progress-events), as other readers see it.
    expect(await admin.get(names.latest(sessionId))).toBe(
      `{"sessionId":"${sessionId}","seq":1,"status":"FAILED","stage":"audio","percent":12,"message":"Transcribing 12%",` +
        `"etaSeconds":null,"at":"2026-11-25T10:30:00.000Z","error":{"code":"NO_AUDIO","message":"The recording has no sound."}}`,
    );
    const [[, fields]] = (await admin.xrevrange(names.stream, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    expect(fields[0]).toBe(PROGRESS_STREAM_FIELD);
    expect(parseProgressEvent(fields[1]!)).toEqual(failed);
  });

  it('keeps the latest state and its sequence for 24 hours, and forgetting removes both keys', async () => {
    const sessionId = randomUUID();
    const bus = newBus();
    await bus.publish(update(sessionId, 5));
    for (const key of [names.latest(sessionId), names.seq(sessionId)]) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(DAY_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(DAY_MS);
    }
    await bus.forget(sessionId);
    expect(await admin.exists(names.latest(sessionId), names.seq(sessionId))).toBe(0);
  });

  it('serves 200 viewers of one session over a single Redis connection', async () => {
    const sessionId = randomUUID();
    await newBus().ping();
    const before = await ourConnections();

    const feed = new RedisProgressFeed(redisConfig, logger);
    opened.push(feed);
    const stops = Array.from({ length: 200 }, () => feed.subscribe(sessionId, collector().listener));
    await Promise.all(stops.map((s) => s.ready));
    expect((await ourConnections()).length - before.length).toBe(1);
  });
});
