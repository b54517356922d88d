import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import type { Config } from '../config.js';
import type { ProgressEvent, ProgressUpdate } from '../domain/progress.js';
import { createLogger } from '../logger.js';
import {
  parseProgressEvent,
  progressNames,
  PROGRESS_STREAM_FIELD,
  RedisProgressBus,
  RedisProgressFeed,
  type RedisProgressBusOptions,
} from './redis.progress-bus.js';

const DAY_MS = 24 * 60 * 60 * 1000;

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

const logger = createLogger('silent');

function newBus(options?: RedisProgressBusOptions): RedisProgressBus {
  const bus = new RedisProgressBus(redisConfig, logger, options);
  opened.push(bus);
  return bus;
}

function newFeed(log = logger): RedisProgressFeed {
  const feed = new RedisProgressFeed(redisConfig, log);
  opened.push(feed);
  return feed;
}

function update(sessionId: string, percent: number, overrides: Partial<ProgressUpdate> = {}): ProgressUpdate {
  return { sessionId, status: 'PROCESSING', stage: 'transcribe', percent, message: `Transcribing ${percent}%`, ...overrides };
}

/** Collects events and lets a test wait until a given number has arrived. */
function collector() {
  const events: ProgressEvent[] = [];
  return {
    events,
    listener: (e: ProgressEvent) => void events.push(e),
    until: (count: number) => vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(count)),
  };
}

/** Connections whose name carries this test's prefix: the ones our classes opened. */
async function ourConnections(): Promise<string[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .map((line) => / name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith(redisConfig.keyPrefix));
}

describe('RedisProgressBus', () => {
  it('numbers events 1, 2, 3… per session even when two processes publish at once', async () => {
    const sessionId = randomUUID();
    const [a, b] = [newBus(), newBus()];
    const published = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).publish(update(sessionId, i))),
    );

    const seqs = published.map((e) => e.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const newest = published.find((e) => e.seq === 40)!;
    expect(await a.latest(sessionId)).toEqual(newest);
    expect(await b.latest(sessionId)).toEqual(newest);
  });

  it('stamps the time from its clock and fills the optional fields', async () => {
    const sessionId = randomUUID();
    const bus = newBus({ clock: () => new Date('2026-11-25T10:30:00.000Z') });
    const failed = await bus.publish(
      update(sessionId, 12, { status: 'FAILED', stage: 'audio', error: { code: 'NO_AUDIO', message: 'The recording has no sound.' } }),
    );
    expect(failed).toEqual({
      sessionId,
      seq: 1,
      status: 'FAILED',
      stage: 'audio',
      percent: 12,
      message: 'Transcribing 12%',
      etaSeconds: null,
      at: '2026-11-25T10:30:00.000Z',
      error: { code: 'NO_AUDIO', message: 'The recording has no sound.' },
    });
    // Stored in DESIGN §4's field order, as other readers see it.
    expect(await admin.get(names.latest(sessionId))).toBe(
      `{"sessionId":"${sessionId}","seq":1,"status":"FAILED","stage":"audio","percent":12,"message":"Transcribing 12%",` +
        `"etaSeconds":null,"at":"2026-11-25T10:30:00.000Z","error":{"code":"NO_AUDIO","message":"The recording has no sound."}}`,
    );
  });

  it('refuses an update that is not a valid event, storing nothing', async () => {
    const sessionId = randomUUID();
    const bus = newBus();
    await expect(bus.publish(update(sessionId, 140))).rejects.toThrow();
    expect(await bus.latest(sessionId)).toBeNull();
  });

  it('keeps the latest state and its sequence for 24 hours', async () => {
    const sessionId = randomUUID();
    await newBus().publish(update(sessionId, 5));
    for (const key of [names.latest(sessionId), names.seq(sessionId)]) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(DAY_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(DAY_MS);
    }
  });

  it('appends every event to the progress-events stream, which stays capped', async () => {
    const bus = newBus({ streamMaxLength: 50 });
    const sessionId = randomUUID();
    let last: ProgressEvent | undefined;
    for (let i = 0; i < 300; i++) last = await bus.publish(update(sessionId, i % 100));

    const length = await admin.xlen(names.stream);
    // MAXLEN ~ trims whole stream nodes (100 entries by default), so it may keep up to cap + one node.
    expect(length).toBeGreaterThanOrEqual(50);
    expect(length).toBeLessThanOrEqual(150);
    const [[, fields]] = (await admin.xrevrange(names.stream, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    expect(fields[0]).toBe(PROGRESS_STREAM_FIELD);
    expect(parseProgressEvent(fields[1]!)).toEqual(last);
  });

  it('keeps a final state: a late update from a job that has not noticed the cancellation is dropped', async () => {
    const bus = newBus();
    const id = randomUUID();
    await bus.publish(update(id, 40));
    const cancelled = await bus.publish(update(id, 40, { status: 'CANCELLED', message: 'Cancelled' }));
    expect(await bus.publish(update(id, 55))).toEqual(cancelled);
    expect(await bus.latest(id)).toEqual(cancelled);
    const streamed = (await admin.xrange(names.stream, '-', '+')).map(([, fields]) => parseProgressEvent(fields[1]!)!);
    expect(streamed.filter((e) => e.sessionId === id).map((e) => e.status)).toEqual(['PROCESSING', 'CANCELLED']);
  });

  it('forgets a session: its keys are gone and numbering starts again', async () => {
    const sessionId = randomUUID();
    const bus = newBus();
    await bus.publish(update(sessionId, 1));
    await bus.publish(update(sessionId, 2));
    await bus.forget(sessionId);

    expect(await admin.exists(names.latest(sessionId), names.seq(sessionId))).toBe(0);
    expect(await bus.latest(sessionId)).toBeNull();
    expect((await bus.publish(update(sessionId, 3))).seq).toBe(1);
  });

  it('answers ping', async () => {
    await expect(newBus().ping()).resolves.toBeUndefined();
  });
});

describe('RedisProgressFeed', () => {
  it('delivers a session’s events in order, and only that session’s', async () => {
    const [mine, other] = [randomUUID(), randomUUID()];
    const bus = newBus();
    const seen = collector();
    await newFeed().subscribe(mine, seen.listener).ready;

    // Not awaited one by one: the events race each other to Redis and must still arrive in seq order.
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => bus.publish(update(i % 4 === 3 ? other : mine, i))),
    );
    const expected = sent.filter((e) => e.sessionId === mine).sort((x, y) => x.seq - y.seq);
    await seen.until(expected.length);
    expect(seen.events).toEqual(expected);
    expect(seen.events.map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  it('serves 200 viewers of one session over a single Redis connection', async () => {
    const sessionId = randomUUID();
    const bus = newBus();
    await bus.ping();
    const before = await ourConnections();

    const feed = newFeed();
    const viewers = Array.from({ length: 200 }, () => collector());
    const stops = viewers.map((v) => feed.subscribe(sessionId, v.listener));
    await Promise.all(stops.map((s) => s.ready));
    expect((await ourConnections()).length - before.length).toBe(1);
    expect(await admin.pubsub('NUMSUB', names.channel(sessionId))).toEqual([names.channel(sessionId), 1]);

    const event = await bus.publish(update(sessionId, 50));
    await Promise.all(viewers.map((v) => v.until(1)));
    for (const v of viewers) expect(v.events).toEqual([event]);
  });

  it('unsubscribes the channel when the last viewer leaves, not before', async () => {
    const sessionId = randomUUID();
    const channel = names.channel(sessionId);
    const bus = newBus();
    const feed = newFeed();
    const [first, second] = [collector(), collector()];
    const stopFirst = feed.subscribe(sessionId, first.listener);
    const stopSecond = feed.subscribe(sessionId, second.listener);
    await stopSecond.ready;

    stopFirst();
    stopFirst(); // twice is harmless: it must not remove the other viewer
    const event = await bus.publish(update(sessionId, 1));
    await second.until(1);
    expect(second.events).toEqual([event]);
    expect(first.events).toEqual([]);
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 1]);

    stopSecond();
    await vi.waitFor(async () => expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 0]));

    // A viewer arriving later subscribes afresh.
    const third = collector();
    await feed.subscribe(sessionId, third.listener).ready;
    const later = await bus.publish(update(sessionId, 2));
    await third.until(1);
    expect(third.events).toEqual([later]);
  });

  it('ignores and logs malformed messages, and survives a failing listener', async () => {
    const sessionId = randomUUID();
    const logs: string[] = [];
    const feed = newFeed(pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) }));
    const seen = collector();
    await feed.subscribe(sessionId, () => {
      throw new Error('viewer went away');
    }).ready;
    await feed.subscribe(sessionId, seen.listener).ready;

    await admin.publish(names.channel(sessionId), 'not json');
    await admin.publish(names.channel(sessionId), JSON.stringify({ sessionId, seq: 'seven' }));
    const event = await newBus().publish(update(sessionId, 9));

    await seen.until(1);
    expect(seen.events).toEqual([event]);
    expect(logs.filter((l) => l.includes('malformed progress message ignored'))).toHaveLength(2);
    expect(logs.filter((l) => l.includes('progress listener failed'))).toHaveLength(1);
  });

  it('refuses new viewers once closed', async () => {
    const feed = newFeed();
    await feed.close();
    expect(() => feed.subscribe(randomUUID(), () => undefined)).toThrow('closed');
  });
});
