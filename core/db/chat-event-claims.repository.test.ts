import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { ChatEventClaims, CLAIM_TTL_SECONDS } from './chat-event-claims.repository.js';
import { createKnex } from './knex.js';

const knex = createKnex(testConfig().databaseUrl);
const claims = new ChatEventClaims(knex);
/** This file's keys: the run's database is shared with other test files. */
const tag = `test-${randomUUID()}`;
const key = (name: string) => `${tag}:${name}`;

afterAll(async () => {
  await knex('chat_event_claims').where('key', 'like', `${tag}:%`).delete();
  await knex.destroy();
});

describe('chat event claims', () => {
  it('are granted once per key, however many deliveries race for it', async () => {
    const granted = await Promise.all(Array.from({ length: 8 }, () => claims.claim(key('Ev1'))));
    expect(granted.filter(Boolean)).toHaveLength(1);
    expect(await claims.claim(key('Ev1'))).toBe(false);
    expect(await claims.claim(key('Ev2'))).toBe(true);
  });

  it('are kept for their time, then swept, so the table does not grow for ever', async () => {
    await knex('chat_event_claims').insert({ key: key('old'), claimed_at: new Date(Date.now() - (CLAIM_TTL_SECONDS + 60) * 1000) });
    await knex('chat_event_claims').insert({ key: key('recent'), claimed_at: new Date(Date.now() - (CLAIM_TTL_SECONDS - 60) * 1000) });

    expect(await claims.claim(key('next'))).toBe(true); // any claim sweeps
    const left = await knex('chat_event_claims').where('key', 'like', `${tag}:%`).pluck('key');
    expect(left.sort()).toEqual([key('Ev1'), key('Ev2'), key('next'), key('recent')].sort());
    expect(await claims.claim(key('recent'))).toBe(false);
  });
});
