import { describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { until } from '../../test/helpers/until.js';
import { createKnex, type Knex } from '../db/knex.js';
import { createLogger } from '../logger.js';
import { DbEventStream } from './db.event-stream.js';
import { EventLog } from './event-log.js';
import { eventStreamContract, parseNumber } from '../../test/contracts/event-stream.contract.js';

const log = createLogger('silent');
const SESSION = '3f1c0b7e-2a51-4c8e-9b1d-6a0e4f2d7c55';

/** The test's stream and group on the run's database, reached through pools of its own. */
function streamOn(databaseUrl: string, prefix: string) {
  const stream = `${prefix}events`;
  const group = `${prefix}bots`;
  const pools: Knex[] = [];
  /** A process: its own pool and event log. */
  const newProcess = () => {
    const knex = createKnex(databaseUrl);
    pools.push(knex);
    return new EventLog(knex, log);
  };
  const main = newProcess();
  const count = async (consumer?: string) => {
    const query = main.knex('event_log_pending as p').join('event_log as e', 'e.id', 'p.event_id').where({ 'e.stream': stream, 'p.group_name': group });
    if (consumer) query.andWhere('p.consumer', consumer);
    const [row] = await query.count({ n: '*' });
    return Number(row?.n ?? 0);
  };
  return {
    newProcess,
    reader: (eventLog: EventLog, consumer: string, claimIdleMs?: number) =>
      new DbEventStream<number>(eventLog, { stream, group, consumer, parse: parseNumber, claimIdleMs, pollMs: 50 }, log),
    main,
    append: (raw: string, eventLog = main) => eventLog.write((_trx, append) => append(stream, SESSION, raw)),
    groupCreated: async () => (await main.knex('event_log_groups').where({ stream, group_name: group }).first()) !== undefined,
    pending: count,
    cleanup: async () => {
      await main.knex('event_log').where({ stream }).delete();
      await main.knex('event_log_groups').where({ stream }).delete();
      await Promise.all(pools.map((k) => k.destroy()));
    },
  };
}

eventStreamContract('embedded', async () => {
  const config = testConfig();
  const s = streamOn(config.databaseUrl, config.redis.keyPrefix);
  return { ...s, reader: (consumer, claimIdleMs) => s.reader(s.main, consumer, claimIdleMs) };
});

describe('embedded event stream specifics', () => {
  it('keeps the group’s position and pending entries across a restart of every process', async () => {
    const config = testConfig();
    const s = streamOn(config.databaseUrl, config.redis.keyPrefix);
    try {
      const before = s.newProcess();
      const handled: number[] = [];
      const first = s.reader(before, 'bot');
      first.start(async (n) => {
        if (n === 2) throw new Error('platform down');
        handled.push(n);
      });
      await until('the group', () => s.groupCreated());
      await s.append('1', before);
      await s.append('2', before);
      await until('both taken', async () => handled.includes(1) && (await s.pending('bot')) === 1);
      await first.stop();
      await before.knex.destroy();

      // Written by another process while the bot was down (the processor, beside it).
      await s.append('3');

      const after = s.newProcess();
      const restarted = s.reader(after, 'bot');
      restarted.start(async (n) => void handled.push(n));
      await until('the pending entry and the new one', async () => handled.length >= 3 && (await s.pending()) === 0);
      await restarted.stop();
      expect(handled.sort((a, b) => a - b)).toEqual([1, 2, 3]);
    } finally {
      await s.cleanup();
    }
  });
});
