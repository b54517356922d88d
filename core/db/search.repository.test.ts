import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { databaseEngines, removeScratchDataDirs, type TestDatabase } from '../../test/helpers/database.js';
import { SEARCH_CONFIGS, searchConfig, type SearchEntry, type SearchScope } from '../domain/search.js';
import type { ChatOrigin } from '../domain/session.js';
import { DEFAULT_OPTIONS } from '../sessions/session.service.js';
import { SearchRepository } from './search.repository.js';
import { SessionsRepository } from './sessions.repository.js';
import { UsersRepository } from './users.repository.js';

afterAll(removeScratchDataDirs);

/** Transcript lines as indexed: one a segment, starting 10 s apart. */
const lines = (...texts: string[]): SearchEntry[] =>
  texts.map((text, i) => ({ kind: 'transcript', position: i, segmentId: i, startSeconds: i * 10, speaker: `SPEAKER_0${i % 2}`, text }));

describe.each(databaseEngines(testConfig))('the search index on $engine', ({ open }) => {
  let db: TestDatabase;
  let search: SearchRepository;
  let sessions: SessionsRepository;
  let userId: string;
  const workspace = `ws-${randomUUID()}`;
  const channel = (channelId: string): Extract<SearchScope, { kind: 'channel' }> => ({ kind: 'channel', platform: 'slack', workspaceId: workspace, channelId });
  const ids = { english: '', german: '', unknown: '', elsewhere: '' };

  async function meeting(channelId: string): Promise<string> {
    const origin: ChatOrigin = { platform: 'slack', workspaceId: workspace, channelId, threadRef: null, statusMessageRef: null };
    const s = await sessions.create({ id: randomUUID(), userId, filename: 'sync.mp4', origin, sourceKind: 'upload', options: DEFAULT_OPTIONS });
    return s.id;
  }

  beforeAll(async () => {
    db = await open();
    search = new SearchRepository(db.knex);
    sessions = new SessionsRepository(db.knex);
    userId = await new UsersRepository(db.knex).resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U0OP' });
    ids.english = await meeting('C1');
    ids.german = await meeting('C1');
    ids.unknown = await meeting('C1');
    ids.elsewhere = await meeting('C2');
    await search.replace(ids.english, searchConfig('en'), [
      ...lines(
        'We looked at the pricing page again.',
        'Pricing for the enterprise plan: we decided on pricing per seat, pricing reviewed yearly.',
        'Lunch is at noon.',
        'The "beta" flag & the (old) pipe | stay!',
      ),
      { kind: 'todo', position: 0, segmentId: 1, startSeconds: 10, speaker: null, text: 'Update the pricing page (before launch)' },
    ]);
    await search.replace(ids.german, searchConfig('de'), lines('Die Verträge wurden gestern unterschrieben.'));
    await search.replace(ids.unknown, searchConfig('und'), lines('Prices went up, pricing too.'));
    await search.replace(ids.elsewhere, searchConfig('en'), lines('Pricing in the other channel.'));
  });

  afterAll(async () => {
    await db.knex('sessions').where({ user_id: userId }).delete();
    await db.knex('users').where({ id: userId }).delete();
    await db.close();
  });

  it('knows every text search configuration a language may be read with', async () => {
    const { rows } = await db.knex.raw<{ rows: Array<{ cfgname: string }> }>('select cfgname from pg_ts_config');
    expect(SEARCH_CONFIGS.filter((c) => !rows.some((r) => r.cfgname === c))).toEqual([]);
  });

  it('ranks the line that says it most first, with where it was said', async () => {
    const hits = await search.search('pricing', channel('C1'), 10);
    expect(hits[0]).toMatchObject({ sessionId: ids.english, kind: 'transcript', segmentId: 1, startSeconds: 10, speaker: 'SPEAKER_01' });
    expect(hits[0]!.text).toMatch(/^Pricing for the enterprise plan/);
    expect(hits.map((h) => h.rank)).toEqual([...hits.map((h) => h.rank)].sort((a, b) => b - a));
    expect(hits.find((h) => h.kind === 'todo')).toMatchObject({ sessionId: ids.english, segmentId: 1, startSeconds: 10, text: 'Update the pricing page (before launch)' });
    expect(await search.search('pricing', channel('C1'), 2)).toHaveLength(2);
  });

  it("reads each meeting in its own language: stems for English and German, words as they are otherwise", async () => {
    // English stems "prices" to "price", as it does "pricing"; the meeting in an unknown language matches only the word itself.
    const english = await search.search('prices', channel('C1'), 10);
    expect(new Set(english.map((h) => h.sessionId))).toEqual(new Set([ids.english, ids.unknown]));
    expect(english.filter((h) => h.sessionId === ids.unknown).map((h) => h.text)).toEqual(['Prices went up, pricing too.']);
    expect((await search.search('Vertrag', channel('C1'), 10)).map((h) => h.sessionId)).toEqual([ids.german]);
    expect((await search.search('lunch', channel('C1'), 10)).map((h) => h.segmentId)).toEqual([2]);
  });

  it('takes search syntax as websearch does, and characters of tsquery syntax without an error', async () => {
    expect((await search.search('"enterprise plan"', channel('C1'), 10)).map((h) => h.segmentId)).toEqual([1]);
    expect((await search.search('"plan enterprise"', channel('C1'), 10))).toEqual([]);
    const without = await search.search('pricing -enterprise', channel('C1'), 10);
    expect(without.length).toBeGreaterThan(0);
    expect(without.filter((h) => h.text.includes('enterprise'))).toEqual([]);
    expect((await search.search('lunch or Vertrag', channel('C1'), 10)).length).toBe(2);
    for (const odd of ['&|!():*', "beta & pipe | (old)!", 'pipe:*', "'", '\\', '"', '((', 'a <-> b', '!!beta', 'select;--']) {
      await expect(search.search(odd, channel('C1'), 10)).resolves.toBeInstanceOf(Array);
    }
    expect((await search.search('(old) pipe!', channel('C1'), 10)).map((h) => h.segmentId)).toEqual([3]);
    expect(await search.search('the and of', channel('C1'), 10)).toEqual([]); // stop words alone match nothing
  });

  it("searches only the scope's meetings: a channel's, given ones, or all", async () => {
    expect((await search.search('pricing', channel('C2'), 10)).map((h) => h.sessionId)).toEqual([ids.elsewhere]);
    expect(await search.search('pricing', { kind: 'channel', platform: 'discord', workspaceId: workspace, channelId: 'C1' }, 10)).toEqual([]);
    expect(new Set((await search.search('pricing', { kind: 'sessions', ids: [ids.unknown, ids.elsewhere] }, 10)).map((h) => h.sessionId))).toEqual(new Set([ids.unknown, ids.elsewhere]));
    expect(await search.search('pricing', { kind: 'sessions', ids: [] }, 10)).toEqual([]);
    const all = new Set((await search.search('pricing', { kind: 'all' }, 50)).map((h) => h.sessionId));
    for (const id of [ids.english, ids.unknown, ids.elsewhere]) expect(all).toContain(id);
  });

  it('ranks only the newest matching lines when a word is said in more lines than it ranks, the best of those first', async () => {
    const capped = new SearchRepository(db.knex, 3);
    const older = await meeting('C4');
    const newer = await meeting('C4');
    // Apart in time: PGlite's clock may give two quick inserts the same created_at.
    await db.knex('sessions').where({ id: older }).update({ created_at: new Date(Date.now() - 60_000) });
    await search.replace(older, 'english', lines('Budget, budget, budget: the budget again.', 'The roadmap.'));
    await search.replace(newer, 'english', lines('The budget.', 'Lunch.', 'A budget for the budget.', 'Budget again.', 'One more budget line.', 'A roadmap.'));
    // Five lines say it, three are ranked: the newer meeting's first three, not its last nor the older's best.
    const hits = await capped.search('budget', channel('C4'), 10);
    expect(hits.map((h) => [h.sessionId, h.segmentId])).toEqual([[newer, 2], [newer, 0], [newer, 3]]);
    expect((await search.search('budget', channel('C4'), 10)).map((h) => [h.sessionId, h.segmentId])).toEqual([[older, 0], [newer, 2], [newer, 0], [newer, 3], [newer, 4]]);
    // A word said in fewer lines than that is found in every meeting, ranked, then the newest first.
    expect((await capped.search('roadmap', channel('C4'), 10)).map((h) => h.sessionId)).toEqual([newer, older]);
  });

  it('replaces a meeting’s lines when it is indexed again, and forgets them with the meeting', async () => {
    const id = await meeting('C3');
    await search.replace(id, 'english', lines('The roadmap for spring.'));
    await search.replace(id, 'english', lines('The budget for autumn.'));
    expect(await search.search('roadmap', channel('C3'), 10)).toEqual([]);
    expect((await search.search('budget', channel('C3'), 10)).map((h) => h.sessionId)).toEqual([id]);
    await db.knex('sessions').where({ id }).delete();
    expect(await db.knex('search_segments').where({ session_id: id })).toEqual([]);
  });
});
