import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todosDocumentSchema } from '../../core/domain/todos.js';
import { NOTES, startWebFixture, type WebFixture } from './web-fixture.js';

/** Debian's package; CI installs it (`apt-get install chromium`). */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = 'test-artifacts/web-status-page.png';

let f: WebFixture;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package to run the browser test`);
  [f, browser] = await Promise.all([
    startWebFixture(),
    chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await f?.close();
});

/** Open event streams, as the app counts them: a page is live once its stream is. */
async function viewers(): Promise<number> {
  const metrics = await (await fetch(`${f.base}/metrics`)).text();
  return Number(/^whisper_notes_sse_viewers (\d+)$/m.exec(metrics)?.[1]);
}

async function openPage(url: string, options: { javaScriptEnabled?: boolean; phone?: boolean; context?: BrowserContextOptions } = {}): Promise<Page> {
  const context = await browser.newContext({
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1000, height: 900 },
    isMobile: options.phone ?? false,
    ...options.context,
  });
  const page = await context.newPage();
  // Loopback only: anything else the page tried to reach would fail the test here.
  await page.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
  await page.goto(url);
  return page;
}

/** A finished meeting's page, loaded (so its script has run). */
async function completedPage(options: Parameters<typeof openPage>[1] = {}): Promise<{ id: string; page: Page }> {
  const { id } = await f.processingSession();
  await f.complete(id);
  const page = await openPage(`${f.base}/s/${id}?t=${f.token(id)}`, options);
  await page.locator('#todos').waitFor();
  return { id, page };
}

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
    expect(await page.locator('.todo label').allTextContents()).toEqual(NOTES.todos.map((t) => t.task));
    expect(await page.locator('.segment .speaker').first().textContent()).toBe('Speaker 1');

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

  it('shows the finished meeting with JavaScript off', async () => {
    const { id } = await f.processingSession();
    await f.complete(id);
    const page = await openPage(`${f.base}/s/${id}?t=${f.token(id)}`, { javaScriptEnabled: false });
    expect(await page.locator('#summary').textContent()).toContain(NOTES.summary);
    expect(await page.locator('.todo label').count()).toBe(3);
    expect(await page.locator('.segment').count()).toBe(3);

    // Ticking works through the form.
    await page.getByLabel('Book the retro room').check();
    await page.getByRole('button', { name: 'Save ticks' }).click();
    await page.waitForURL(/#todos$/);
    expect(await page.locator('#todo-3').isChecked()).toBe(true);
    const stored = todosDocumentSchema.parse(await f.core.store.getJson(f.core.layout.todos(id)));
    expect(stored.todos.map((t) => t.completed)).toEqual([false, false, true]);
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
});
