import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../core/domain/session.js';
import { createLogger } from '../../core/logger.js';
import { verifySessionToken } from '../../core/links.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';
import { startWebFixture, type WebFixture } from '../../test/e2e/web-fixture.js';
import { testConfig } from '../../test/helpers/config.js';
import { startForbiddenTarget, startLinkServer } from '../../test/helpers/link-servers.js';
import { makeToneVideo, tempDir, wavHeader, type MediaDir } from '../../test/helpers/media.js';
import { sessionObjects } from '../../test/helpers/s3-server.js';
import { until } from '../../test/helpers/until.js';
import { buildWebApp } from '../app.js';
import { uploadsEnabled, WEB_USER } from './upload.js';
import { sessionsOf } from '../../test/helpers/sessions.js';

/** Small enough to go past quickly, large enough for a streamed upload of several S3 parts (5 MiB each). */
const MAX_BYTES = 16 * 1024 * 1024;
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = 'test-artifacts/web-upload-page.png';
const UNSUPPORTED = "That file isn't a video or audio recording we can read.";

let f: WebFixture;
let chat: WebFixture;
/** f's core served again with its log kept and a body floor of 4 KB a second, so a trickle is cut in a test. */
let watched: { base: string; logs: LogLine[]; close(): Promise<void> };
let media: MediaDir;
let videoPath: string;
let video: Buffer;

beforeAll(async () => {
  [f, chat, media] = await Promise.all([
    // A link refusal lands on the form when it comes within 3 s; two recordings at once for the web user.
    startWebFixture({ linkWaitMs: 3000 }, { MAX_MEDIA_BYTES: String(MAX_BYTES), MAX_ACTIVE_SESSIONS_PER_USER: '2' }),
    startWebFixture({}, { DISCORD_TOKEN: 'discord-test-token' }),
    tempDir('wn-upload-'),
  ]);
  videoPath = await makeToneVideo(media.dir, 2, 'standup.mp4');
  video = await readFile(videoPath);
  watched = await serveWatched(f);
});
// Nothing processes these sessions: they are stopped after each test, so the per-user limit starts empty.
afterEach(async () => {
  for (const s of await sessionsOf(f.core, WEB_USER, 50)) {
    if (s.status === 'UPLOADING' || s.status === 'PROCESSING') await f.core.sessionService.cancel(s.id, WEB_USER, true);
  }
});
afterAll(async () => {
  await watched?.close();
  await Promise.all([f?.close(), chat?.close(), media?.cleanup()]);
});

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };
const NOT_UNDERSTOOD = 'The upload was not understood. Choose a file or paste a link, then send it again.';

interface LogLine {
  level: number;
  msg: string;
  sessionId?: string;
  err?: unknown;
}

async function serveWatched(fixture: WebFixture): Promise<typeof watched> {
  const logs: LogLine[] = [];
  const log = createLogger('info', undefined, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const config = { ...fixture.config, web: { ...fixture.config.web, bodyProgress: { minBytes: 4096, windowMs: 1000 } } };
  const app = buildWebApp({ ...fixture.core, config, log }, { linkSecret: config.web.linkSecret! });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, logs, close: () => app.close() };
}

/**
 * A raw client that sends the headers, the first 8 KB of a recording, then 10 bytes every 200 ms: far
 * below the watched app's floor. `closed` settles when the server closes the connection.
 */
function trickle(base: string, filename: string): { closed: Promise<void>; stop(): void } {
  const { port } = new URL(base);
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  socket.write(
    `POST /sessions HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: multipart/form-data; boundary=x\r\n` +
      `content-length: ${1024 * 1024}\r\nsec-fetch-site: same-origin\r\n\r\n`,
  );
  socket.write(`--x\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: video/mp4\r\n\r\n`);
  socket.write(video.subarray(0, 8192));
  const timer = setInterval(() => socket.write(video.subarray(8192, 8202)), 200);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  void closed.then(() => clearInterval(timer));
  return { closed, stop: () => socket.destroy() };
}

function fileForm(bytes: Buffer, filename: string, type = 'video/mp4'): FormData {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), filename);
  return form;
}

function linkForm(link: string): FormData {
  const form = new FormData();
  // As the page sends it: the file input left empty comes along.
  form.append('file', new Blob([], { type: 'application/octet-stream' }), '');
  form.append('link', link);
  return form;
}

function post(fixture: Pick<WebFixture, 'base'>, body: FormData | URLSearchParams, headers: Record<string, string> = SAME_ORIGIN): Promise<Response> {
  return fetch(`${fixture.base}/sessions`, { method: 'POST', body, headers, redirect: 'manual' });
}

/** The session a 303 points at, after checking that the link's token opens it. */
async function redirectedSession(res: Response): Promise<Session> {
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get('location')!, `${f.base}/sessions`);
  const id = /^\/s\/([0-9a-f-]{36})$/.exec(location.pathname)![1]!;
  expect(verifySessionToken(id, location.searchParams.get('t'), f.config.web.linkSecret!)).toBe(true);
  const page = await fetch(location);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(`data-session="${id}"`);
  return (await f.core.sessionService.get(id))!;
}

/** The refusal sentence on the re-rendered form. */
async function refusal(res: Response): Promise<string> {
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  const page = await res.text();
  expect(page).toContain('<form id="upload-form"');
  // Never JSON or a stack trace.
  expect(page).not.toMatch(/"error":|\n\s+at .*:\d+:\d+/);
  return /<p id="upload-error-text">([^<]*)<\/p>/.exec(page)![1]!.replace(/&#39;/g, "'");
}

const sessionsNamed = (filename: string) => f.core.knex<{ id: string; filename: string; status: string; error_code: string | null }>('sessions').where({ filename }).select('id', 'status', 'error_code');

describe('the upload page (no chat configured)', () => {
  it('serves a plain multipart form with its script from a file, under a strict CSP', async () => {
    const res = await fetch(`${f.base}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const page = await res.text();
    expect(page).toContain('<form id="upload-form" class="card" method="post" action="sessions" enctype="multipart/form-data"');
    expect(page).toMatch(/<input type="file" id="file" name="file"/);
    expect(page).toMatch(/<input type="url" id="link" name="link"/);
    expect(page).toContain('up to 16.8 MB');
    expect(page.match(/<script/g)).toEqual(['<script']);
    expect(page).toContain('<script src="assets/upload.js" defer></script>');
    const script = await fetch(`${f.base}/assets/upload.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('streams an uploaded recording into a web session and sends the browser to its status page', async () => {
    const res = await post(f, fileForm(video, 'standup.mp4'), { origin: f.base });
    const session = await redirectedSession(res);
    expect(session).toMatchObject({ status: 'PROCESSING', filename: 'standup.mp4', sourceKind: 'upload', sizeBytes: video.length, contentType: 'video/mp4' });
    expect(session.origin.platform).toBe('web');
    expect(await f.core.sessionService.ownerOf(session, WEB_USER)).toBe(true);
    expect(await sessionObjects(f.config.s3, session.id)).toEqual([`${f.config.s3.buckets.videos}/${session.id}/original.mp4`]);
  });

  it('stores a small recording that arrived whole before the ingest read it', async () => {
    const wav = Buffer.concat([wavHeader(8000), Buffer.alloc(8000)]);
    const session = await redirectedSession(await post(f, fileForm(wav, 'short.wav', 'audio/wav')));
    expect(session).toMatchObject({ status: 'PROCESSING', sizeBytes: wav.length, contentType: 'audio/wav' });
  });

  it('fetches a pasted link', async () => {
    const server = await startLinkServer(video);
    try {
      const session = await redirectedSession(await post(f, linkForm(`${server.url}/standup.mp4`)));
      expect(session.sourceKind).toBe('link');
      expect(session.origin.platform).toBe('web');
      await until('the link to be stored', async () => (await f.core.sessionService.get(session.id))?.status === 'PROCESSING');
    } finally {
      await server.close();
    }
  });

  it('takes a link from a url-encoded form too', async () => {
    const server = await startLinkServer(video);
    try {
      const session = await redirectedSession(await post(f, new URLSearchParams({ link: `${server.url}/standup.mp4` })));
      expect(session.sourceKind).toBe('link');
    } finally {
      await server.close();
    }
  });

  it('sends a slow link to its status page before the download ends, which shows it uploading', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length });
      res.write(video.subarray(0, 8192));
      void released.then(() => res.end(video.subarray(8192)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const session = await redirectedSession(await post(f, linkForm(`http://127.0.0.1:${port}/slow.mp4`)));
      expect(session.status).toBe('UPLOADING');
      release();
      await until('the slow link to be stored', async () => (await f.core.sessionService.get(session.id))?.status === 'PROCESSING');
    } finally {
      release();
      server.closeAllConnections();
      server.close();
    }
  });

  it('refuses a file that is not media with the sniffing’s sentence, storing nothing', async () => {
    const filename = `notes-${randomUUID()}.mp4`;
    const res = await post(f, fileForm(Buffer.from('These are my meeting notes, not a video.\n'.repeat(200)), filename));
    expect(res.status).toBe(415);
    expect(await refusal(res)).toContain(UNSUPPORTED);
    const [row] = await sessionsNamed(filename);
    expect(row).toMatchObject({ status: 'FAILED', error_code: 'UNSUPPORTED_MEDIA' });
    expect(await sessionObjects(f.config.s3, row!.id)).toEqual([]);
  });

  it('refuses a recording over MAX_MEDIA_BYTES while streaming, storing nothing, and answers on a healthy connection', async () => {
    const filename = `huge-${randomUUID()}.mp4`;
    const huge = Buffer.concat([video, Buffer.alloc(MAX_BYTES + 1000 - video.length)]);
    const res = await post(f, fileForm(huge, filename));
    expect(res.status).toBe(413);
    expect(await refusal(res)).toContain('larger than 16.8 MB');
    const [row] = await sessionsNamed(filename);
    expect(row).toMatchObject({ status: 'FAILED', error_code: 'MEDIA_TOO_LARGE' });
    expect(await sessionObjects(f.config.s3, row!.id)).toEqual([]);
  });

  it('fails the session, storing nothing, when the browser goes away mid-upload, and logs it as an ordinary event', async () => {
    const filename = `cut-${randomUUID()}.mp4`;
    const req = http.request(`${watched.base}/sessions`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', ...SAME_ORIGIN } });
    req.on('error', () => {});
    req.write(`--x\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`);
    req.write(video.subarray(0, 16 * 1024));
    const started = await until('the upload to start', async () => (await sessionsNamed(filename))[0]);
    expect(started.status).toBe('UPLOADING');
    req.destroy();
    const row = await until('the session to fail', async () => (await sessionsNamed(filename)).find((r) => r.status === 'FAILED'));
    expect(row.error_code).toBe('UPLOAD_INTERRUPTED');
    expect(await sessionObjects(f.config.s3, row.id)).toEqual([]);
    await until('the end of the request to be logged', async () => watched.logs.find((l) => l.sessionId === row.id && l.msg === 'upload ended: the connection closed'));
    expect(watched.logs.filter((l) => l.level >= 50 || l.err !== undefined)).toEqual([]);
  });

  it('cuts uploads that trickle in below the floor: their sessions fail with the reason, their slots are free again', async () => {
    // As many trickles as the web user's slots (2): without the floor they would hold the page.
    const names = [`slow-${randomUUID()}.mp4`, `slow-${randomUUID()}.mp4`];
    const clients = names.map((name) => trickle(watched.base, name));
    try {
      await Promise.all(clients.map((c) => c.closed));
      const rows = await until('both sessions to fail', async () => {
        const found = (await Promise.all(names.map(sessionsNamed))).flat();
        return found.length === 2 && found.every((r) => r.status === 'FAILED') && found;
      });
      for (const row of rows) {
        expect(row.error_code).toBe('UPLOAD_TOO_SLOW');
        expect((await f.core.sessionService.get(row.id))!.errorMessage).toBe(
          'The upload was stopped because it was too slow: less than 4.1 KB arrived in a second. Try again on a steadier connection.',
        );
        expect(await sessionObjects(f.config.s3, row.id)).toEqual([]);
      }
      expect((await post(watched, fileForm(video, `after-slow-${randomUUID()}.mp4`))).status).toBe(303);
      expect(watched.logs.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      for (const c of clients) c.stop();
    }
  });

  it('refuses a form with two files, or a file and too many fields, starting nothing', async () => {
    const twoFiles = fileForm(video, `first-${randomUUID()}.mp4`);
    twoFiles.append('file', new Blob([video], { type: 'video/mp4' }), 'second.mp4');
    const manyFields = fileForm(video, `fields-${randomUUID()}.mp4`);
    for (let i = 0; i < 100; i++) manyFields.append(`field${i}`, 'x');
    for (const form of [twoFiles, manyFields]) {
      const filename = (form.get('file') as File).name;
      const res = await post(f, form);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await refusal(res)).toBe(NOT_UNDERSTOOD);
      expect(await sessionsNamed(filename)).toEqual([]);
    }
  });

  it('answers a multipart request without a boundary with 400, logging no error', async () => {
    const res = await fetch(`${watched.base}/sessions`, { method: 'POST', body: 'x', headers: { 'content-type': 'multipart/form-data', ...SAME_ORIGIN } });
    expect(res.status).toBe(400);
    expect(await refusal(res)).toBe(NOT_UNDERSTOOD);
    expect(watched.logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('sends a browser that comes back to /sessions (after a refusal) to the form', async () => {
    const res = await fetch(`${f.base}/sessions`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!, `${f.base}/sessions`).href).toBe(`${f.base}/`);
  });

  it('refuses a form whose declared size is over the limit before reading it', async () => {
    const before = await sessionsOf(f.core, WEB_USER, 50);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${f.base}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(MAX_BYTES * 2), ...SAME_ORIGIN },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      // Only the start of the promised body: the answer must come without the rest.
      req.write('--x\r\ncontent-disposition: form-data; name="file"; filename="big.mp4"\r\n\r\n');
      req.write(video);
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toContain('This file is larger than 16.8 MB');
    expect(await sessionsOf(f.core, WEB_USER, 50)).toHaveLength(before.length);
  });

  it('refuses a private link without connecting to it, and a dead link, on the form', async () => {
    const target = await startForbiddenTarget();
    const server = await startLinkServer(video);
    try {
      const forbidden = await post(f, linkForm(target.url));
      expect(forbidden.status).toBe(422);
      const sentence = await refusal(forbidden);
      expect(sentence.length).toBeGreaterThan(20);
      expect(target.connections).toBe(0);
      const dead = await post(f, linkForm(`${server.url}/gone.mp4`));
      expect(dead.status).toBe(422);
      expect(await refusal(dead)).not.toBe(sentence);
      // The link stays in its field, to be corrected.
      expect(await (await post(f, linkForm(target.url))).text()).toContain(`value="${target.url}"`);
    } finally {
      await Promise.all([target.close(), server.close()]);
    }
  });

  it('asks for a file or a link when the form has neither', async () => {
    const res = await post(f, linkForm(''));
    expect(res.status).toBe(400);
    expect(await refusal(res)).toBe('Choose a recording to upload, or paste a link to one.');
  });

  it('refuses a cross-site post before reading it', async () => {
    const filename = `csrf-${randomUUID()}.mp4`;
    const attempts: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }, { origin: 'null' }];
    for (const headers of attempts) {
      const res = await post(f, fileForm(video, filename), headers);
      expect(res.status).toBe(403);
      expect(await refusal(res)).toContain('sent from another website');
    }
    expect(await sessionsNamed(filename)).toEqual([]);
  });

  it('refuses one upload too many for the shared web user, with a sentence that fits the page', async () => {
    const userId = await f.core.users.resolve(WEB_USER);
    for (let i = 0; i < 2; i++) {
      await f.core.sessions.create({ id: randomUUID(), userId, filename: 'busy.mp4', origin: { platform: 'web', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null }, sourceKind: 'upload', options: DEFAULT_OPTIONS });
    }
    const filename = `one-more-${randomUUID()}.mp4`;
    const res = await post(f, fileForm(video, filename));
    expect(res.status).toBe(429);
    const sentence = await refusal(res);
    expect(sentence).toContain('2 recordings uploaded from this page are already being processed');
    expect(sentence).not.toContain('/whisper');
    expect(await sessionsNamed(filename)).toEqual([]);
  });

  it('streams: the store holds parts of a large upload before the client has sent all of it', async () => {
    const boundary = `----wn${randomUUID()}`;
    const pcm = 12 * 1024 * 1024;
    const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="long.wav"\r\ncontent-type: audio/wav\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const firstHalf = 7 * 1024 * 1024;
    let clientDone = false;
    // Earlier tests' refused uploads left parts behind (s3rver keeps them): only a new one counts.
    const partsBefore = (await storedParts(f.s3Directory)).length;
    async function* body(): AsyncGenerator<Uint8Array> {
      yield head;
      yield wavHeader(pcm);
      for (let sent = 0; sent < firstHalf; sent += 1024 * 1024) yield Buffer.alloc(1024 * 1024);
      // The rest only once the store has received a whole part: the server passes bytes on as they come.
      await until('a part in the store', async () => (await storedParts(f.s3Directory)).length > partsBefore);
      for (let sent = firstHalf; sent < pcm; sent += 1024 * 1024) yield Buffer.alloc(1024 * 1024);
      yield tail;
      clientDone = true;
    }
    const res = await fetch(`${f.base}/sessions`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...SAME_ORIGIN },
      body: body(),
      duplex: 'half',
      redirect: 'manual',
    });
    expect(clientDone).toBe(true);
    const session = await redirectedSession(res);
    expect(session).toMatchObject({ status: 'PROCESSING', sizeBytes: 44 + pcm, contentType: 'audio/wav' });
  });
});

describe('a deployment with chat', () => {
  it('offers no uploads: / says recordings come from chat, /sessions does not exist', async () => {
    const home = await fetch(`${chat.base}/`);
    expect(home.status).toBe(404);
    expect(await home.text()).toContain('Recordings come from chat here');
    const res = await post(chat, fileForm(video, 'standup.mp4'));
    expect(res.status).toBe(404);
    expect(await chat.core.knex('sessions').where({ user_id: await chat.core.users.resolve(WEB_USER) }).whereIn('status', ['UPLOADING', 'PROCESSING'])).toEqual([]);
  });

  it('counts Slack as chat too', () => {
    expect(uploadsEnabled(testConfig())).toBe(true);
    expect(uploadsEnabled(testConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }))).toBe(false);
    expect(uploadsEnabled(testConfig({ DISCORD_TOKEN: 'x' }))).toBe(false);
  });
});

describe('the upload page in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package to run the browser test`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function openUploadPage(javaScriptEnabled = true): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await page.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    // Script errors and CSP refusals (a refused upload's 4xx is logged too, and is expected).
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    await page.goto(`${f.base}/`);
    return { page, problems };
  }

  const onStatusPage = (page: Page) => page.waitForURL(/\/s\/[0-9a-f-]{36}\?t=/);

  it('uploads a chosen file with a progress bar and opens its status page', async () => {
    const { page, problems } = await openUploadPage();
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const sawProgress = page.locator('#upload-progress').waitFor({ state: 'visible' });
    await page.setInputFiles('#file', videoPath);
    await sawProgress;
    await onStatusPage(page);
    expect(await page.locator('h1').textContent()).toBe('standup.mp4');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('uploads a file dropped on the page, and shows a refusal in place', async () => {
    const { page, problems } = await openUploadPage();
    // A file dropped from the desktop, as the page's drop event carries it.
    const drop = async (name: string, bytes: Buffer) => {
      const dataTransfer = await page.evaluateHandle(`(() => {
        const t = new DataTransfer();
        t.items.add(new File([Uint8Array.from(atob('${bytes.toString('base64')}'), (c) => c.charCodeAt(0))], ${JSON.stringify(name)}, { type: 'video/mp4' }));
        return t;
      })()`);
      await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer });
    };
    await drop('notes.mp4', Buffer.from('not a video at all\n'.repeat(50)));
    await page.locator('#upload-error').waitFor();
    expect(await page.locator('#upload-error-text').textContent()).toContain(UNSUPPORTED);
    expect(page.url()).toBe(`${f.base}/`);

    await drop('dropped.mp4', video);
    await onStatusPage(page);
    expect(await page.locator('h1').textContent()).toBe('dropped.mp4');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('lists the meetings uploaded from this browser, with their title, status and link, and only in this browser', async () => {
    const { page, problems } = await openUploadPage();
    expect(await page.locator('#my-meetings').isHidden()).toBe(true);
    await page.setInputFiles('#file', videoPath);
    await onStatusPage(page);
    // The page keeps itself in the list and takes #uploaded off its address.
    await page.waitForURL((url) => url.hash === '');
    const statusPage = page.url();

    await page.goto(`${f.base}/`);
    const item = page.locator('#my-meetings-list li').first();
    await item.locator('span[data-status]').waitFor();
    expect(await page.locator('#my-meetings').isVisible()).toBe(true);
    expect(await item.locator('a').textContent()).toBe('standup.mp4');
    expect(await item.locator('a').getAttribute('href')).toBe(statusPage);
    const id = /\/s\/([0-9a-f-]{36})/.exec(statusPage)![1]!;
    const session = (await f.core.sessionService.get(id))!;
    expect(await item.locator('span').getAttribute('data-status')).toMatch(session.status === 'UPLOADING' ? /UPLOADING|PROCESSING/ : /PROCESSING|COMPLETED/);
    expect(problems).toEqual([]);

    const elsewhere = await openUploadPage();
    expect(await elsewhere.page.locator('#my-meetings').isHidden()).toBe(true);
    await Promise.all([page.context().close(), elsewhere.page.context().close()]);
  });

  it('works as a plain form without JavaScript', async () => {
    const { page } = await openUploadPage(false);
    await page.setInputFiles('#file', videoPath);
    await page.click('#upload-button');
    await onStatusPage(page);
    expect(await page.locator('h1').textContent()).toBe('standup.mp4');

    await page.goto(`${f.base}/`);
    await page.fill('#link', 'http://127.0.0.2:1/standup.mp4');
    await page.click('#link-button');
    await page.locator('#upload-error').waitFor();
    expect(page.url()).toBe(`${f.base}/sessions`);
    expect(await page.locator('#link').inputValue()).toBe('http://127.0.0.2:1/standup.mp4');
    await page.context().close();
  });
});


/** The multipart parts the S3 server has received whole (s3rver writes `<n>.md5` once part `<n>` is stored). */
async function storedParts(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true });
  return entries.filter((e) => e.includes('_S3rver_uploads') && /^\d+\.md5$/.test(path.basename(e)));
}
