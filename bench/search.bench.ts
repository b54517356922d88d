/**
 * `/whisper search` over one channel holding BENCH_MEETINGS (default 1,000) meetings of an hour each (about
 * 900 segments of generated speech each), on PostgreSQL (`postgres`) or PGlite (`pglite`): the seeding time,
 * then p50/p95 of SessionService.search with the channel's scope, as the chat commands call it, per query.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createCore } from '../core/app.js';
import { loadConfig } from '../core/config.js';
import { searchConfig, searchEntries } from '../core/domain/search.js';
import type { ChatOrigin } from '../core/domain/session.js';
import type { StoredTranscript } from '../core/domain/transcript.js';
import { createLogger } from '../core/logger.js';
import { DEFAULT_OPTIONS } from '../core/sessions/session.service.js';
import { createScratchDatabase } from '../test/helpers/database.js';
import { tempDir } from '../test/helpers/media.js';
import { percentile, report } from './lib.js';

const ENGINE = process.argv[2] === 'pglite' ? 'pglite' : 'postgres';
const MEETINGS = Number(process.env.BENCH_MEETINGS ?? 1000);
const SEGMENTS = 900; // an hour: a line every 4 seconds
const RUNS = 30;
const QUERIES = ['pricing', 'release notes', '"customer feedback"', 'budget -marketing', 'kubernetes or terraform', 'zorblatt'];

/** Words of a meeting, the common first: picked with a Zipf-like skew, as speech repeats its common words. */
const WORDS = `the we to and a of is that it for on this in you be have with so can our what do will are about not
think if just at but they need from as get all one next week team customer release notes pricing budget plan
design review meeting project deadline feedback sprint launch issue bug fix test deploy server database product
marketing sales quarter report numbers goal update client demo roadmap feature priority owner ticket support
contract legal hiring onboarding dashboard metrics revenue cost growth risk timeline scope estimate migration
security performance latency outage incident backlog retro standup friday monday tomorrow yesterday agenda
decision question answer document draft slides budget invoice vendor partner integration api mobile web
kubernetes terraform analytics experiment survey churn pipeline checkout payment subscription discount`.split(/\s+/);

let seed = 42;
/** A deterministic generator (mulberry32), so every run seeds the same meetings. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
const word = () => WORDS[Math.floor(WORDS.length * random() ** 2.2)]!;

function transcript(sessionId: string): StoredTranscript {
  const segments = Array.from({ length: SEGMENTS }, (_, id) => {
    const text = Array.from({ length: 8 + Math.floor(random() * 14) }, word).join(' ');
    return { id, start: id * 4, end: id * 4 + 3.8, text: `${text[0]!.toUpperCase()}${text.slice(1)}.`, speaker: `SPEAKER_0${id % 4}`, words: [] };
  });
  return { session_id: sessionId, generated_at: new Date().toISOString(), engine: 'bench', model: null, duration: SEGMENTS * 4, language: 'en', segments, word_segments: [] };
}

const data = await tempDir('wn-bench-search-');
const database = ENGINE === 'postgres' ? await createScratchDatabase('wn_bench_search') : null;
const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: path.join(data.dir, 'data'), ...(database && { DATABASE_URL: database.url }) });
const core = await createCore(config, createLogger('silent'));
try {
  const origin: ChatOrigin = { platform: 'slack', workspaceId: 'T0BENCH', channelId: 'C0BENCH', threadRef: null, statusMessageRef: null };
  const userId = await core.users.resolve({ platform: 'slack', workspaceId: 'T0BENCH', externalId: 'U0BENCH' });
  const seeding = performance.now();
  for (let i = 0; i < MEETINGS; i++) {
    const id = randomUUID();
    await core.sessions.create({ id, userId, filename: `meeting-${i}.mp4`, origin, sourceKind: 'upload', options: DEFAULT_OPTIONS });
    const t = transcript(id);
    await core.search.replace(id, searchConfig(t.language), searchEntries(t, null, null));
  }
  const seedSeconds = (performance.now() - seeding) / 1000;
  await core.knex.raw('ANALYZE search_segments');
  await core.knex.raw('ANALYZE sessions');

  const scope = { kind: 'channel', platform: 'slack', workspaceId: 'T0BENCH', channelId: 'C0BENCH' } as const;
  const all: number[] = [];
  for (const query of QUERIES) {
    const times: number[] = [];
    let hits = 0;
    for (let run = -3; run < RUNS; run++) {
      const started = performance.now();
      hits = (await core.sessionService.search(query, scope, 5)).length;
      if (run >= 0) times.push(performance.now() - started); // three warm-up runs first
    }
    times.sort((a, b) => a - b);
    all.push(...times);
    report({ bench: `search-${ENGINE}`, query, hits, p50_ms: Math.round(percentile(times, 50)), p95_ms: Math.round(percentile(times, 95)) });
  }
  all.sort((a, b) => a - b);
  const rows = Number((await core.knex('search_segments').count<Array<{ count: string }>>({ count: '*' }))[0]!.count);
  report({ bench: `search-${ENGINE}`, query: '(all)', meetings: MEETINGS, rows, seed_s: Math.round(seedSeconds), p50_ms: Math.round(percentile(all, 50)), p95_ms: Math.round(percentile(all, 95)) });
} finally {
  await core.close();
  await database?.drop();
  await data.cleanup();
}
