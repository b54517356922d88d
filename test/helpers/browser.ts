import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's package; CI installs it (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

export interface PageOptions {
  javaScriptEnabled?: boolean;
  phone?: boolean;
  context?: BrowserContextOptions;
}

/** Chromium driven by playwright-core, for the status page. */
export interface TestBrowser {
  browser: Browser;
  /** A page in a context of its own, allowed to reach loopback only. */
  openPage(url: string, options?: PageOptions): Promise<Page>;
  /** A status page whose event stream the server has answered: it sees what happens from now on. */
  openLivePage(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package to run the browser test`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });

  /** A page in a context of its own, allowed to reach loopback only. */
  async function newPage(options: PageOptions = {}): Promise<Page> {
    const context = await browser.newContext({
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      viewport: options.phone ? { width: 390, height: 844 } : { width: 1000, height: 900 },
      isMobile: options.phone ?? false,
      ...options.context,
    });
    const page = await context.newPage();
    // Loopback only: anything else the page tried to reach would fail the test here.
    await page.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
    return page;
  }

  async function openPage(url: string, options: PageOptions = {}): Promise<Page> {
    const page = await newPage(options);
    await page.goto(url);
    return page;
  }

  return {
    browser,
    openPage,
    async openLivePage(url) {
      const page = await newPage();
      // The server answers the stream's request once it has subscribed to the session's events
      // (web/progress-stream.ts): from then on this page misses nothing. Other pages' streams do not count.
      const streamOpen = page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/api/progress/') && r.status() === 200, { timeout: 10_000 });
      await page.goto(url);
      await streamOpen;
      return page;
    },
    close: () => browser.close(),
  };
}

/** Open event streams, as the app at `base` (http://127.0.0.1:port) counts them: a page is live once its stream is. */
export async function sseViewers(base: string): Promise<number> {
  const metrics = await (await fetch(`${base}/metrics`)).text();
  return Number(/^whisper_notes_sse_viewers (\d+)$/m.exec(metrics)?.[1]);
}

/** A todo on the status page. */
export const todoItem = (page: Page, todoId: string) => page.locator(`.todo[data-todo="${todoId}"]`);

/** Opens a todo's inline edit form on the status page; its fields are found by their labels within it. */
export async function openEdit(page: Page, todoId: string) {
  await todoItem(page, todoId).locator('.todo-edit summary').click();
  return todoItem(page, todoId).locator('.todo-edit-form');
}
