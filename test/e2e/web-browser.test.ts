import { mkdir, readFile } from 'node:fs/promises';
import { parse as parseSubtitles } from '@plussub/srt-vtt-parser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TodoChangesRepository } from '../../core/db/todo-changes.repository.js';
import { AppError } from '../../core/errors.js';
import { AUTHORIZED } from '../../core/sessions/session.service.js';
import { buildDocuments, todosDocumentSchema } from '../../core/domain/todos.js';
import { replaceNotes } from '../../processor/jobs/replace-notes.js';
import { launchChromium, openEdit, sseViewers, todoItem, type PageOptions, type TestBrowser } from '../helpers/browser.js';
import { LINES, NOTES, openStream, startWebFixture, type WebFixture } from './web-fixture.js';

const SCREENSHOT = 'test-artifacts/web-status-page.png';

let f: WebFixture;
let browser: TestBrowser;

beforeAll(async () => {
  [f, browser] = await Promise.all([startWebFixture(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await f?.close();
});

/** Open event streams, as the app counts them: a page is live once its stream is. */
const viewers = () => sseViewers(f.base);
const openPage = (url: string, options?: PageOptions) => browser.openPage(url, options);

/** A finished meeting's page, loaded (so its script has run). */
async function completedPage(options: PageOptions = {}): Promise<{ id: string; page: Page }> {
  const { id } = await f.processingSession();
  await f.complete(id);
  const page = await openPage(`${f.base}/s/${id}?t=${f.token(id)}`, options);
  await page.locator('#todos').waitFor();
  return { id, page };
}

/** A finished meeting's page whose event stream is open, so it sees what happens from now on. */
async function livePage(): Promise<{ id: string; page: Page }> {
  const { id } = await f.processingSession();
  await f.complete(id);
  return { id, page: await liveView(id) };
}

const liveView = (id: string) => browser.openLivePage(`${f.base}/s/${id}?t=${f.token(id)}`);

const storedTodos = async (id: string) => todosDocumentSchema.parse(await f.core.store.getJson(f.core.layout.todos(id))).todos;
const saved = (page: Page, method: string) => page.waitForResponse((r) => r.request().method() === method && r.url().includes('/todos'));

type Rgba = [r: number, g: number, b: number, a: number];

/** WCAG 2 relative luminance of an sRGB colour (0–255 channels). */
function luminance([r, g, b]: Rgba): number {
  const linear = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

function contrast(a: Rgba, b: Rgba): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * Every visible element with text of its own, with its text colour and the background it is drawn on. The browser
 * composites: each ancestor's background, from the first opaque one down, then the text colour, painted on a canvas.
 */
const TEXT_COLOURS = `(() => {
  const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  const paint = (colours) => {
    ctx.clearRect(0, 0, 1, 1);
    for (const c of colours) { ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1); }
    return Array.from(ctx.getImageData(0, 0, 1, 1).data);
  };
  return Array.from(document.querySelectorAll('body *'))
    .filter((el) => el.checkVisibility() && Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim()))
    .map((el) => {
      const layers = [];
      for (let at = el; at; at = at.parentElement) {
        const bg = getComputedStyle(at).backgroundColor;
        layers.unshift(bg);
        if (paint([bg])[3] === 255) break;
      }
      return { text: el.textContent.trim().slice(0, 40), fg: paint([...layers, getComputedStyle(el).color]), bg: paint(layers) };
    });
})()`;

describe('the status page in Chromium', () => {
  it('follows a recording live from PROCESSING to COMPLETED, and ticks reach storage and other viewers', async () => {
    const { id } = await f.processingSession();
    const url = `${f.base}/s/${id}?t=${f.token(id)}`;
    await f.core.progress.report(id, 'PROCESSING', 'transcribe', 0.2, 'Transcribing (0:01 of 0:04)');
    const page = await openPage(url);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));

    const bar = page.locator('#progress-bar');
    expect(await bar.getAttribute('value')).toBe('30');
    expect(await page.locator('#page').getAttribute('data-status')).toBe('PROCESSING');

    // Progress moves the bar without a reload.
    await expect.poll(viewers).toBe(1);
    await f.core.progress.report(id, 'PROCESSING', 'diarize', 0.5, 'Telling speakers apart');
    await expect.poll(() => bar.getAttribute('value')).toBe('81');
    expect(await page.locator('#progress-stage').textContent()).toBe('Identifying speakers');
    expect(await page.locator('#progress-message').textContent()).toBe('Telling speakers apart');

    // Completion brings the summary, todos and transcript in place.
    await f.complete(id);
    await page.locator('#todos').waitFor();
    expect(await page.locator('#summary').textContent()).toContain(NOTES.summary);
    expect(await page.locator('.todo > label').allTextContents()).toEqual(NOTES.todos.map((t) => t.task));
    expect(await page.locator('.segment .speaker').first().textContent()).toBe('Speaker 1');
    // The player that was already playing gets the transcript's subtitles.
    expect(await page.locator('#player track').getAttribute('label')).toBe('English (transcript)');

    // A second viewer sees a tick live.
    const other = await openPage(url);
    await other.locator('#todos').waitFor();
    await expect.poll(viewers).toBe(2);

    const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 200);
    await page.getByLabel('Write the release notes').check();
    await saved;
    const stored = todosDocumentSchema.parse(await f.core.store.getJson(f.core.layout.todos(id)));
    expect(stored.todos.map((t) => t.completed)).toEqual([true, false, false]);
    await expect.poll(() => other.locator('#todo-1').isChecked()).toBe(true);
    expect(await other.locator('#todos-count').textContent()).toBe('1 of 3 done');

    // A timestamp seeks the player (the original streams from the store with range requests).
    await page.locator('.segment a.ts').nth(1).click();
    const currentTime = () => page.locator('#player').evaluate((player) => (player as unknown as { currentTime: number }).currentTime);
    await expect.poll(currentTime).toBeCloseTo(2, 0);

    expect(errors).toEqual([]);
    await mkdir('test-artifacts', { recursive: true });
    await page.evaluate('document.getElementById("player").pause(); window.scrollTo(0, 0)');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const phone = await openPage(url, { phone: true });
    await phone.screenshot({ path: 'test-artifacts/web-status-page-phone.png', fullPage: true });
  });

  it('follows a failed meeting retried elsewhere (chat, the CLI): its progress, then its notes, without a reload', async () => {
    const { id } = await f.processingSession();
    await f.core.sessions.transition(id, ['PROCESSING'], { status: 'FAILED', errorCode: 'LLM_UNAVAILABLE', errorMessage: 'The LLM could not be reached.' });
    await f.core.progress.fail(id, 'todos', new AppError('LLM_UNAVAILABLE', 'The LLM could not be reached.'));
    const page = await liveView(id); // the failed page keeps listening
    expect(await page.locator('#page').getAttribute('data-status')).toBe('FAILED');

    expect(await f.core.sessionService.retry(id, AUTHORIZED)).toMatchObject({ outcome: 'retried', resumesFrom: 'transcribe' });
    await page.locator('#progress-bar').waitFor();
    await expect.poll(() => page.locator('#page').getAttribute('data-status')).toBe('PROCESSING');
    await f.complete(id);
    await page.locator('#todos').waitFor();
    expect(await page.locator('.todo > label').allTextContents()).toEqual(NOTES.todos.map((t) => t.task));
  });

  it('shows the finished meeting with JavaScript off', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const page = await openPage(`${f.base}/s/${id}?t=${f.token(id)}`, { javaScriptEnabled: false });
    expect(await page.locator('#summary').textContent()).toContain(NOTES.summary);
    expect(await page.locator('.todo > label').count()).toBe(3);
    expect(await page.locator('.segment').count()).toBe(3);

    // Ticking works through the form.
    await page.getByLabel('Book the retro room').check();
    await page.getByRole('button', { name: 'Save ticks' }).click();
    await page.waitForURL(/#todos$/);
    expect(await page.locator('#todo-3').isChecked()).toBe(true);
    const stored = todosDocumentSchema.parse(await f.core.store.getJson(f.core.layout.todos(id)));
    expect(stored.todos.map((t) => t.completed)).toEqual([false, false, true]);
  });

  it('copies the page’s link, the key to the meeting, with "Copy link"; without JavaScript the button stays hidden', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const url = `${f.base}/s/${id}?t=${f.token(id)}`;
    const page = await openPage(`${url}#transcript`, { context: { permissions: ['clipboard-read', 'clipboard-write'] } });
    await page.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => page.locator('#copy-link').textContent()).toBe('Copied');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(url);
    expect(await page.locator('#link-note').textContent()).toContain('link is the key to this meeting');

    const plain = await openPage(url, { javaScriptEnabled: false });
    expect(await plain.locator('#copy-link').isHidden()).toBe(true);
    expect(await plain.locator('#link-note').isVisible()).toBe(true);
    await Promise.all([page.context().close(), plain.context().close()]);
  });

  it('keeps focus on a todo ticked with the keyboard, so a second Space unticks it', async () => {
    const { id, page } = await completedPage();
    const box = page.locator('#todo-2');
    const patched = () => page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 200);
    const stored = async () => todosDocumentSchema.parse(await f.core.store.getJson(f.core.layout.todos(id))).todos[1]!.completed;

    await box.focus();
    let saved = patched();
    await page.keyboard.press('Space');
    await saved;
    await expect.poll(() => box.getAttribute('aria-disabled')).toBeNull();
    expect(await stored()).toBe(true);
    expect(await page.evaluate('document.activeElement.id')).toBe('todo-2');

    saved = patched();
    await page.keyboard.press('Space');
    await saved;
    expect(await box.isChecked()).toBe(false);
    expect(await stored()).toBe(false);
    await page.context().close();
  });

  it('draws all text at a contrast of at least 4.5:1, in light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page } = await completedPage({ context: { colorScheme } });
      // The states with their own colours: a ticked todo and the segment being played.
      const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 200);
      await page.getByLabel('Fix the login bug').check();
      await saved;
      await page.locator('.todo.done').waitFor();
      await page.evaluate('document.getElementById("seg-1").classList.add("playing")');

      const texts = await page.evaluate<Array<{ text: string; fg: Rgba; bg: Rgba }>>(TEXT_COLOURS);
      // Each kind of text the issue named is among them: priorities, timestamps, the brand line.
      expect(texts.map((t) => t.text)).toEqual(expect.arrayContaining(['Whisper Notes', 'high', 'medium', 'low', '00:00:02']));
      const low = texts.map((t) => ({ colorScheme, text: t.text, ratio: Math.round(contrast(t.fg, t.bg) * 100) / 100 })).filter((t) => t.ratio < 4.5);
      expect(low).toEqual([]);
      await page.context().close();
    }
  });

  it('gives every control at least 24 × 24 px to tap on a phone', async () => {
    const { page } = await completedPage({ phone: true, context: { viewport: { width: 375, height: 667 } } });
    const targets = page.locator('input[type="checkbox"], button, a, .ts');
    const small: Array<{ target: string; width: number; height: number }> = [];
    for (const target of await targets.all()) {
      if (!(await target.isVisible())) continue;
      const box = (await target.boundingBox())!;
      if (box.width < 24 || box.height < 24) small.push({ target: await target.evaluate((el) => (el as unknown as { outerHTML: string }).outerHTML.slice(0, 60)), width: box.width, height: box.height });
    }
    expect(await targets.count()).toBeGreaterThan(6);
    expect(small).toEqual([]);
    await page.context().close();
  });

  it('names a speaker in place, without leaving the page, everywhere the speaker is shown', async () => {
    const { id, page } = await completedPage();
    const url = page.url();

    await page.locator('#speakers summary').click();
    await page.getByLabel('Speaker 2').fill('Maria');
    await page.getByLabel('Speaker 2').press('Enter');

    await expect.poll(() => page.locator('.segment .speaker').nth(1).textContent()).toBe('Maria');
    expect(await page.locator('#todo-2-details .assignee').textContent()).toBe('Maria');
    expect(page.url()).toBe(url);
    expect(await f.core.speakers.names(id)).toEqual({ SPEAKER_01: 'Maria' });
    await page.context().close();
  });

  it('follows a regeneration started elsewhere: the rewrite’s progress, then the new version in place, the tick kept and v1 linked', async () => {
    const { id, page } = await completedPage();
    const url = page.url();
    await f.core.todos.service.setCompleted(id, '1', true, 'anna');
    await expect.poll(() => page.locator('#todo-1').isChecked()).toBe(true);

    // What the Regenerate button in chat does; the processor's part is played below.
    await f.core.notes.regenerate(id, { instruction: 'in German' }, 'Maria');
    await page.locator('#progress').waitFor();
    const { knex, store, layout, notesVersions } = f.core;
    const fresh = buildDocuments(id, { ...NOTES, summary: 'Die Notizen auf Deutsch.' }, new Date());
    await replaceNotes({ knex, store, layout, notesVersions, changes: new TodoChangesRepository(knex) }, id, fresh, { version: 2, instruction: 'in German', model: null, requestedBy: 'Maria' });
    await f.core.sessions.transition(id, ['PROCESSING'], { status: 'COMPLETED', stage: 'done', percent: 100 });
    await f.core.progress.report(id, 'COMPLETED', 'done', 1, 'Done');
    await f.core.todos.events.publish({ kind: 'notes', sessionId: id, version: 2, by: 'Maria', at: new Date().toISOString() });

    await expect.poll(() => page.locator('#summary').textContent()).toContain('Die Notizen auf Deutsch.');
    expect(await page.locator('#todo-1').isChecked()).toBe(true);
    expect(await page.locator('#versions [aria-current="page"]').textContent()).toBe('v2');
    await page.locator('#versions a', { hasText: 'v1' }).click();
    await page.locator('#read-only').waitFor();
    expect(await page.locator('#summary').textContent()).toContain(NOTES.summary);
    expect(await page.locator('.todo input').count()).toBe(0);
    expect(page.url()).toBe(`${url}&v=1`);
    await page.context().close();
  });

  it('highlights the segment being played in the transcript', async () => {
    const { page } = await completedPage();
    await page.waitForFunction('document.getElementById("player").readyState >= 1');
    const playing = page.locator('.segment.playing');
    const seek = (seconds: number) => page.evaluate(`document.getElementById("player").currentTime = ${seconds}`);

    await seek(2.5); // inside the second segment, [2, 3)
    await page.locator('#seg-1.playing[aria-current="time"]').waitFor();
    expect(await playing.count()).toBe(1);

    await seek(0.5);
    await page.locator('#seg-0.playing[aria-current="time"]').waitFor();
    expect(await page.locator('[aria-current]').count()).toBe(1);

    await seek(1.5); // between segments: nothing is being said
    await expect.poll(() => playing.count()).toBe(0);
    expect(await page.locator('[aria-current]').count()).toBe(0);
    await page.context().close();
  });

  it('turns the transcript on as subtitles: the cues load with the transcript’s times, text and speaker names', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    await f.core.speakers.nameSpeakers(id, { SPEAKER_00: 'Maria' }, null);
    const page = await openPage(`${f.base}/s/${id}?t=${f.token(id)}`);
    const track = page.locator('#player track');
    expect([await track.getAttribute('kind'), await track.getAttribute('srclang'), await track.getAttribute('label')]).toEqual(['subtitles', 'en', 'English (transcript)']);
    // Off until the viewer turns captions on.
    expect(await page.evaluate('document.getElementById("player").textTracks[0].mode')).toBe('disabled');

    // The browser fetches the export (an attachment, behind the page's token and its CSP) and reads its cues.
    await page.evaluate('document.getElementById("player").textTracks[0].mode = "showing"');
    await expect.poll(() => page.evaluate('document.querySelector("#player track").readyState')).toBe(2); // LOADED
    // A long line is cut in two, as the export cuts it; the words are the transcript's.
    const cues = await page.evaluate('Array.from(document.getElementById("player").textTracks[0].cues, (c) => [c.startTime, c.endTime, c.text.replace(/\\n/g, " ")])');
    const voices = ['<v Maria>', '<v Speaker 2>', ''];
    expect(cues).toEqual(LINES.map(([, start, text], i) => [start, start + 1, `${voices[i]}${text}`]));
    // The voice span is the speaker: the browser renders it with the name as its title.
    expect(await page.evaluate('document.getElementById("player").textTracks[0].cues[0].getCueAsHTML().firstChild.title')).toBe('Maria');
    await page.context().close();
  });

  it('shows a rename made elsewhere live: the heading, the tab’s title and the rename field, announced politely', async () => {
    const { id, page } = await livePage();
    await f.core.sessionService.rename(id, 'Pricing <review>', AUTHORIZED, 'ana');
    await expect.poll(() => page.locator('header h1').textContent()).toBe('Pricing <review>');
    expect(await page.title()).toBe('Pricing <review> · Whisper Notes');
    expect(await page.locator('#rename-title').inputValue()).toBe('Pricing <review>');
    expect(await page.locator('p.visually-hidden[role="status"]').textContent()).toBe('Renamed: Pricing <review>');
    await page.context().close();
  });

  it('opens at the moment a search links to (`#t=`): that line in view and played from its start', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    // The third line starts at 3.5 s: a link names its whole second.
    const page = await openPage(`${f.base}/s/${id}?t=${f.token(id)}#t=3`);
    await page.locator('#seg-2.playing[aria-current="time"]').waitFor();
    expect(await page.evaluate('document.getElementById("player").currentTime')).toBe(3.5);
    expect(await page.evaluate('(() => { const r = document.getElementById("seg-2").getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()')).toBe(true);
    await page.context().close();
  });

  it('downloads the notes in each format from the page: Markdown with the todos, subtitles a parser reads', async () => {
    const { id, page } = await completedPage();
    await f.core.speakers.nameSpeakers(id, { SPEAKER_00: 'Anna' }, null);
    const files = new Map<string, { name: string; text: string }>();
    for (const link of await page.locator('nav.exports a').all()) {
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      files.set((await link.getAttribute('data-format'))!, { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') });
    }
    expect([...files].map(([format, { name }]) => [format, name])).toEqual(['md', 'txt', 'srt', 'vtt', 'json'].map((format) => [format, `weekly-sync.${format}`]));

    const markdown = files.get('md')!.text;
    for (const todo of NOTES.todos) expect(markdown).toContain(`- [ ] ${todo.task} (${todo.priority}`);
    expect(markdown).toContain('owner Anna');
    expect(files.get('txt')!.text).toContain('[00:00:02] Speaker 2: Sure. I will also fix the login bug.');
    for (const format of ['srt', 'vtt']) {
      const cues = (parseSubtitles(files.get(format)!.text) as { entries: Array<{ from: number; to: number; text: string }> }).entries;
      expect(cues.map((c) => [c.from, c.to])).toEqual(LINES.map(([, start]) => [start * 1000, (start + 1) * 1000]));
      expect(cues[1]!.text).toBe(format === 'srt' ? `Speaker 2: ${LINES[1]![2]}` : `<v Speaker 2>${LINES[1]![2]}`);
      expect(cues[0]!.text).toMatch(/^(Anna: |<v Anna>)Anna, can you/);
    }
    const json = JSON.parse(files.get('json')!.text) as { session: { id: string }; speakers: unknown; transcript: { segments: unknown[] } };
    expect([json.session.id, json.speakers, json.transcript.segments.length]).toEqual([id, { SPEAKER_00: 'Anna' }, LINES.length]);
    await page.context().close();
  });

  it("shows when the meeting was recorded in the viewer's own time zone", async () => {
    const { page } = await completedPage({ context: { timezoneId: 'Asia/Kathmandu', locale: 'en-US' } });
    const time = page.locator('header time');
    const at = new Date((await time.getAttribute('datetime'))!);
    // Kathmandu is 5:45 ahead of UTC: its wall clock and zone name both show.
    const clock = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Kathmandu', hour: 'numeric', minute: '2-digit' }).format(at);
    await expect.poll(() => time.textContent()).toContain('GMT+5:45');
    expect(await time.textContent()).toContain(clock);
    await page.context().close();
  });

  it('shows an edit made elsewhere (as chat makes it) within a second, keeping a form someone is typing in', async () => {
    const { id, page } = await livePage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const form = await openEdit(page, '3');
    await form.getByLabel('Text').fill('Book the big retro room');

    const started = Date.now();
    await f.core.todos.service.edit(id, '1', { task: 'Write the release notes today', due: 'Thursday' }, 'ana');
    await expect.poll(() => page.locator('label[for="todo-1"]').textContent(), { timeout: 1000 }).toBe('Write the release notes today');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await page.locator('#todo-1-details .changed-by').textContent()).toBe(' · edited by ana');
    expect(await page.locator('#todo-1-details time').getAttribute('title')).toBe('Thursday');

    // The todo being edited keeps what was typed, and the focus, while someone else changes it …
    await f.core.todos.service.edit(id, '3', { priority: 'high' }, 'ben');
    await f.core.todos.service.add(id, { task: 'Order pizza' }, 'ben');
    await expect.poll(() => page.locator('.todo > label').allTextContents()).toEqual(['Write the release notes today', 'Fix the login bug', 'Book the retro room', 'Order pizza']);
    expect(await form.getByLabel('Text').inputValue()).toBe('Book the big retro room');
    expect(await page.evaluate('document.activeElement.id')).toBe('edit-3-task');
    expect(await page.locator('#todo-3-details .prio').textContent()).toBe('low');
    // … and shows their change once the form is closed.
    await todoItem(page, '3').locator('.todo-edit summary').click();
    await expect.poll(() => page.locator('#todo-3-details .prio').textContent()).toBe('high');
    expect(await page.locator('#todos-count').textContent()).toBe('0 of 4 done');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('saves an edit typed in the inline form and announces it; adds and removes in place', async () => {
    const { id, page } = await livePage();
    const url = page.url();
    const stream = await openStream(`${f.base}/api/progress/${id}?t=${f.token(id)}&follow=todos`);

    const form = await openEdit(page, '2');
    await form.getByLabel('Text').fill('Fix the login bug for good');
    await form.getByLabel('Owner').fill('Speaker 1');
    await form.getByLabel('Due').fill('Friday');
    await form.getByLabel('Priority').selectOption('high');
    const put = saved(page, 'PUT');
    await form.getByRole('button', { name: 'Save' }).click();
    expect((await put).status()).toBe(200);
    expect((await storedTodos(id))[1]).toMatchObject({ task: 'Fix the login bug for good', assignee: 'SPEAKER_00', due: 'Friday', priority: 'high', edited_by: null });
    await expect.poll(() => stream.events.filter((e) => e.event === 'todo').map((e) => JSON.parse(e.data) as unknown)).toEqual([
      expect.objectContaining({ kind: 'todo', sessionId: id, todoId: '2', change: 'edit', by: null }),
    ]);
    await expect.poll(() => page.locator('label[for="todo-2"]').textContent()).toBe('Fix the login bug for good');
    expect(await page.locator('#todo-2-details .assignee').textContent()).toBe('Speaker 1');
    expect(await todoItem(page, '2').locator('.todo-edit').getAttribute('open')).toBeNull();

    await page.locator('#todo-add summary').click();
    await page.locator('#todo-add-form').getByLabel('Text').fill('Send the minutes');
    const post = saved(page, 'POST');
    await page.locator('#todo-add-form').getByRole('button', { name: 'Add' }).click();
    expect((await post).status()).toBe(201);
    await expect.poll(() => page.locator('label[for="todo-4"]').textContent()).toBe('Send the minutes');
    expect(await page.locator('#todo-4-details .changed-by').textContent()).toBe(' · added');

    await todoItem(page, '1').locator('.todo-remove summary').click();
    const removed = saved(page, 'DELETE');
    await todoItem(page, '1').getByRole('button', { name: 'Yes, remove it' }).click();
    expect((await removed).status()).toBe(200);
    await expect.poll(() => todoItem(page, '1').count()).toBe(0);
    expect((await storedTodos(id)).map((t) => t.id)).toEqual(['2', '3', '4']);
    expect(page.url()).toBe(url);
    stream.close();
    await page.context().close();
  });

  it('keeps both of two edits of one todo made at once on two pages, and shows a conflict next to the todo', async () => {
    const { id, page: anna } = await livePage();
    const ben = await liveView(id);
    const [annaForm, benForm] = [await openEdit(anna, '2'), await openEdit(ben, '2')];
    await annaForm.getByLabel('Text').fill('Fix the login bug on mobile');
    await benForm.getByLabel('Due').fill('Monday');
    const [annaSaved, benSaved] = [saved(anna, 'PUT'), saved(ben, 'PUT')];
    await Promise.all([annaForm.getByRole('button', { name: 'Save' }).click(), benForm.getByRole('button', { name: 'Save' }).click()]);
    expect([(await annaSaved).status(), (await benSaved).status()]).toEqual([200, 200]);
    expect((await storedTodos(id))[1]).toMatchObject({ task: 'Fix the login bug on mobile', due: 'Monday' });
    for (const page of [anna, ben]) {
      await expect.poll(() => page.locator('label[for="todo-2"]').textContent()).toBe('Fix the login bug on mobile');
      await expect.poll(() => page.locator('#todo-2-details time').getAttribute('title')).toBe('Monday');
    }

    // Both change the priority: the second is told what it now is, with the todo as it stands, and saves nothing.
    const [annaAgain, benAgain] = [await openEdit(anna, '2'), await openEdit(ben, '2')];
    await annaAgain.getByLabel('Priority').selectOption('high');
    const first = saved(anna, 'PUT');
    await annaAgain.getByRole('button', { name: 'Save' }).click();
    expect((await first).status()).toBe(200);
    await benAgain.getByLabel('Priority').selectOption('low');
    const second = saved(ben, 'PUT');
    await benAgain.getByRole('button', { name: 'Save' }).click();
    expect((await second).status()).toBe(409);
    const error = todoItem(ben, '2').locator('.todo-error');
    await expect.poll(() => error.textContent()).toBe('Someone changed this todo while you were editing it: its priority is now “high”. Nothing was saved; please edit it again.');
    expect(await todoItem(ben, '2').locator('.todo-edit').getAttribute('open')).toBe('');
    expect(await todoItem(ben, '2').getByLabel('Priority').inputValue()).toBe('high');
    expect((await storedTodos(id))[1]!.priority).toBe('high');
    await anna.context().close();
    await ben.context().close();
  });

  it('edits a todo with JavaScript off, through the form and back to the page', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const page = await openPage(`${f.base}/s/${id}?t=${f.token(id)}`, { javaScriptEnabled: false });
    const form = await openEdit(page, '3');
    await form.getByLabel('Owner').fill('Speaker 2');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/#todo-3$/);
    expect(await page.locator('#todo-3-details .assignee').textContent()).toBe('Speaker 2');
    expect((await storedTodos(id))[2]).toMatchObject({ assignee: 'SPEAKER_01', task: 'Book the retro room' });
    await page.context().close();
  });
});
