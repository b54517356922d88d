import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTES, startWebFixture, transcriptFor, type WebFixture } from '../../test/e2e/web-fixture.js';
import { launchChromium, type TestBrowser } from '../../test/helpers/browser.js';
import { makeToneVideo, tempDir, type MediaDir } from '../../test/helpers/media.js';
import { storeNotes, uploadingSession } from '../../test/helpers/sessions.js';
import type { SearchJson } from '../app.js';
import { MAX_SEARCHED_MEETINGS } from './search.js';

/** `POST /api/search` and the home page's search box (docs/architecture.md#search), on the real core. */

let f: WebFixture;
let media: MediaDir;
/** A word no other test's meeting says. */
const word = `quokka${randomBytes(4).toString('hex')}`;
/** Said at 12:34 in `mine`, whose notes proposed a title; `theirs` says it too, but its link is not ours. */
let mine: string;
let theirs: string;

/** A meeting whose transcript is `lines`, stored and indexed as the processor leaves it. */
async function meeting(lines: Parameters<typeof transcriptFor>[1], title: string | null): Promise<string> {
  const userId = await f.core.users.resolve({ platform: 'cli', workspaceId: null, externalId: 'search-page' });
  const { id } = await uploadingSession(f.core, userId, { filename: 'sync.mp4' });
  await storeNotes(f.core, id, { ...NOTES, title }, transcriptFor(id, lines));
  return id;
}

const search = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${f.base}/api/search`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const known = (...ids: string[]) => ids.map((id) => ({ id, t: f.token(id) }));
const hitsOf = async (query: string, meetings = known(mine)) => {
  const r = await search({ query, meetings });
  expect(r.status).toBe(200);
  return ((await r.json()) as SearchJson).hits;
};

beforeAll(async () => {
  [f, media] = await Promise.all([startWebFixture(), tempDir('wn-search-')]);
  mine = await meeting([['SPEAKER_00', 0, 'Welcome everyone.'], ['SPEAKER_01', 754.2, `The ${word} budget goes up.`]], 'Budget review');
  theirs = await meeting([['SPEAKER_00', 5, `Our ${word} is secret.`]], null);
  await f.core.speakers.nameSpeakers(mine, { SPEAKER_01: 'Maria' }, null);
});
afterAll(async () => {
  await f?.close();
  await media?.cleanup();
});

describe('POST /api/search', () => {
  it("answers the lines of the meetings whose links it was given, named by the meeting's title, each linking to its page at that second", async () => {
    const r = await search({ query: word, meetings: known(mine) });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const { createdAt } = (await f.core.sessionService.get(mine))!;
    expect(((await r.json()) as SearchJson).hits).toEqual([
      {
        sessionId: mine,
        title: 'Budget review',
        date: createdAt.toISOString(),
        kind: 'transcript',
        speaker: 'Maria',
        text: `The ${word} budget goes up.`,
        startSeconds: 754.2,
        link: `s/${mine}?t=${f.token(mine)}#t=754`,
      },
    ]);
    expect((await hitsOf(word, known(mine, theirs))).map((h) => h.sessionId).sort()).toEqual([mine, theirs].sort());
  });

  it('never searches a meeting whose token is wrong: the answer is the same as without it', async () => {
    const alone = await hitsOf(word, known(mine));
    const forged = [{ id: theirs, t: f.token(mine) }, { id: theirs, t: `${f.token(theirs).slice(1)}x` }, { id: theirs, t: '' }, { id: 'not-a-uuid', t: 'x' }];
    expect(await hitsOf(word, [...known(mine), ...forged])).toEqual(alone);
    expect(await hitsOf(word, forged)).toEqual([]);
  });

  it('takes search syntax and the characters of tsquery syntax without an error', async () => {
    expect(await hitsOf(`"${word} budget"`)).toHaveLength(1);
    expect(await hitsOf(`"budget ${word}"`)).toEqual([]);
    expect(await hitsOf(`${word} -budget`)).toEqual([]);
    expect(await hitsOf(`zzzunsaid or ${word}`)).toHaveLength(1);
    expect(await hitsOf(`${word}:* & (budget | !up)`)).toHaveLength(1);
    expect(await hitsOf('&|!():*<->')).toEqual([]);
  });

  it('refuses an empty or overlong query with its sentence (QUERY_INVALID), and a body it cannot read (400)', async () => {
    const empty = await search({ query: '  ', meetings: known(mine) });
    expect(empty.status).toBe(422);
    expect(await empty.json()).toEqual({ error: { code: 'QUERY_INVALID', message: 'Type the words to search for.' } });
    const long = await search({ query: 'x'.repeat(201), meetings: known(mine) });
    expect(long.status).toBe(422);
    expect(await long.json()).toEqual({ error: { code: 'QUERY_INVALID', message: 'Search for at most 200 characters: a few words the meeting said.' } });

    const tooMany = Array.from({ length: MAX_SEARCHED_MEETINGS + 1 }, () => known(mine)[0]!);
    for (const body of [{ query: word }, { query: word, meetings: tooMany }, { query: word, meetings: [{ id: mine }] }, { query: word, meetings: [], extra: 1 }, 'not json']) {
      const r = await search(body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    }
    // A form another website could post is no JSON: refused before anything is searched.
    const form = await search(new URLSearchParams({ query: word }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(400);
  });
});

describe('the home page search in Chromium', () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Script errors and CSP refusals the page reports (a refused search's 4xx is logged too, and is expected). */
  const problemsOf = (page: Page) => {
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    return problems;
  };

  it('lists a meeting uploaded in this browser on the home page, finds it by a word of its transcript, and its hit opens the page at that line', async () => {
    const page = await browser.openPage(`${f.base}/`);
    const problems = problemsOf(page);
    expect(await page.locator('#meeting-search').isHidden()).toBe(true); // this browser knows no meeting yet

    await page.setInputFiles('#file', await makeToneVideo(media.dir, 4, 'planning.mp4'));
    await page.waitForURL(/\/s\/[0-9a-f-]{36}\?t=[^#]+$/); // kept in this browser's list, #uploaded taken off
    const uploaded = /\/s\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    // The processor's part: the transcript and notes stored and indexed, the meeting done.
    await f.complete(uploaded, { ...NOTES, title: 'Planning' }, [['SPEAKER_00', 0, 'Hello.'], ['SPEAKER_01', 2, 'Hi.'], ['SPEAKER_00', 3.5, `The ${word} roadmap is ready.`]]);

    await page.goto(`${f.base}/`);
    // The home page lists it, named by its notes' title, with its status read live.
    const listed = page.locator('#my-meetings-list li');
    await expect.poll(() => listed.locator('.details').textContent()).toBe('done');
    expect(await listed.count()).toBe(1);
    expect(await listed.locator('a').textContent()).toBe('Planning');
    expect(await listed.locator('a').getAttribute('href')).toBe(`${f.base}/s/${uploaded}?t=${f.token(uploaded)}`);
    const box = page.getByLabel('Search your meetings');
    const status = page.locator('#search-status[role="status"]');
    const ask = async (query: string, says: string | RegExp) => {
      await box.fill(query);
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => status.textContent()).toMatch(says);
    };

    // Another meeting says it too, but its link is not in this browser.
    await ask(`"${word} is secret"`, /^No line of your meetings says that\.$/);
    await ask('   ', /^Type the words to search for\.$/);
    await ask(word, /^1 line found\.$/);
    const hit = page.locator('#search-hits li');
    expect(await hit.locator('a.hit-line').textContent()).toBe(`“The ${word} roadmap is ready.”`);
    expect(await hit.locator('.details').textContent()).toMatch(/^Speaker 1 · Planning · .+ · 00:00:03$/);

    await hit.locator('a.hit-line').click();
    await page.waitForURL(`${f.base}/s/${uploaded}?t=${f.token(uploaded)}#t=3`);
    await page.locator('#seg-2.playing[aria-current="time"]').waitFor();
    expect(await page.evaluate('document.getElementById("player").currentTime')).toBe(3.5);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
