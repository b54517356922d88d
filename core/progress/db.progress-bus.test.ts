import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { createKnex, type Knex } from '../db/knex.js';
import { createLogger } from '../logger.js';
import { DbProgressBus } from './db.progress-bus.js';
import { EventLog } from './event-log.js';
import { streamNames } from './event-stream.js';
import { LogFeed } from './log-feed.js';
import { LogStreamFeed } from './log-stream-feed.js';
import { collector, progressEngineContract, update } from '../../test/contracts/progress-bus.contract.js';
import { parseProgressEvent } from './progress-bus.js';

const logger = createLogger('silent');

/** One process's view of the embedded engine: its own pool, event log and feed, on the run's database. */
function processOn(databaseUrl: string, stream: string, pollMs?: number) {
  const knex = createKnex(databaseUrl);
  const log = new EventLog(knex, logger);
  const logFeed = new LogFeed(log, logger, { pollMs });
  return {
    knex,
    log,
    bus: new DbProgressBus(log, stream, logger),
    feed: new LogStreamFeed(logFeed, stream, parseProgressEvent, logger, 'progress message'),
    close: async () => {
      await logFeed.close();
      await knex.destroy();
    },
  };
}

async function removeStream(knex: Knex, stream: string): Promise<void> {
  await knex('event_log').where({ stream }).delete();
}

progressEngineContract('embedded', async () => {
  const config = testConfig();
  const stream = streamNames(config.redis.keyPrefix).progress;
  const knex = createKnex(config.databaseUrl);
  const log = new EventLog(knex, logger);
  const feeds: LogFeed[] = [];
  return {
    newBus: (options) => new DbProgressBus(options?.streamMaxLength ? new EventLog(knex, logger, { maxLength: options.streamMaxLength }) : log, stream, logger, options),
    newFeed: (feedLogger = logger) => {
      const logFeed = new LogFeed(log, feedLogger);
      feeds.push(logFeed);
      return new LogStreamFeed(logFeed, stream, parseProgressEvent, feedLogger, 'progress message');
    },
    streamed: async () => (await knex('event_log').where({ stream }).orderBy('id').pluck('payload')).map((p: string) => parseProgressEvent(p)!),
    injectRaw: (sessionId, raw) => log.write((_trx, append) => append(stream, sessionId, raw)),
    cleanup: async () => {
      await Promise.all(feeds.map((f) => f.close()));
      await removeStream(knex, stream);
      await knex.destroy();
    },
  };
});

describe('embedded progress engine specifics', () => {
  let databaseUrl: string;
  let stream: string;
  let processes: ReturnType<typeof processOn>[];
  const start = (pollMs?: number) => {
    const p = processOn(databaseUrl, stream, pollMs);
    processes.push(p);
    return p;
  };

  beforeEach(() => {
    const config = testConfig();
    databaseUrl = config.databaseUrl;
    stream = streamNames(config.redis.keyPrefix).progress;
    processes = [];
  });

  afterEach(async () => {
    await removeStream(processes[0]!.knex, stream);
    await Promise.all(processes.map((p) => p.close()));
  });

  it('a restarted process still has the final state, and it still stands', async () => {
    const id = randomUUID();
    const before = start();
    await before.bus.publish(update(id, 80));
    const completed = await before.bus.publish(update(id, 100, { status: 'COMPLETED', stage: 'done', message: 'Done' }));
    await before.close();
    processes.shift();

    const after = start();
    expect(await after.bus.latest(id)).toEqual(completed);
    expect(await after.bus.publish(update(id, 90))).toEqual(completed);
    expect((await after.bus.publish(update(id, 100, { status: 'FAILED', stage: 'done', message: 'Lost' }))).seq).toBe(3);
  });

  it('delivers events another process publishes, through the feed’s poll of the database', async () => {
    const id = randomUUID();
    const viewer = start(50);
    const worker = start();
    const seen = collector();
    await viewer.feed.subscribe(id, seen.listener).ready;

    const sent = [];
    for (let i = 1; i <= 3; i++) sent.push(await worker.bus.publish(update(id, i)));
    await seen.until(3);
    expect(seen.events).toEqual(sent);
  });

  it('delivers this process’s events without waiting for the poll', async () => {
    const id = randomUUID();
    const proc = start(60 * 60_000);
    const seen = collector();
    await proc.feed.subscribe(id, seen.listener).ready;
    const event = await proc.bus.publish(update(id, 1));
    await seen.until(1);
    expect(seen.events).toEqual([event]);
  });
});
