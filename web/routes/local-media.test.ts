import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeQueuesAndKeys } from '../../test/helpers/cleanup.js';
import { testConfig } from '../../test/helpers/config.js';
import { freePort } from '../../test/helpers/http.js';
import { makeToneVideo, tempDir, type MediaDir } from '../../test/helpers/media.js';
import { storeOriginal, uploadingSession } from '../../test/helpers/sessions.js';
import { createCore, type Core } from '../../core/app.js';
import type { Config } from '../../core/config.js';
import { signSessionToken } from '../../core/links.js';
import { createLogger } from '../../core/logger.js';
import { probeMedia } from '../../core/media/ffmpeg.js';
import { LocalObjectStore } from '../../core/storage/local.object-store.js';
import { buildWebApp, type SessionJson } from '../app.js';

/** The player, as the page's script sees it (no DOM types here). */
interface Player {
  readyState: number;
  seeking: boolean;
  currentTime: number;
  seekable: { length: number; end(index: number): number };
}

describe('recordings served by the web process (local object store)', () => {
  let dir: MediaDir;
  let config: Config;
  let core: Core;
  let app: FastifyInstance;
  let redis: Redis;
  let base: string;
  let videoFile: string;
  let video: Buffer;
  let userId: string;
  const token = (id: string) => signSessionToken(id, config.web.linkSecret!);
  const mediaUrl = (id: string, t = token(id)) => `${base}/s/${id}/media?t=${encodeURIComponent(t)}`;

  /** A session whose original (a 4 s MP4, index at the end) is in the local store; UPLOADING ones have none yet. */
  async function session(status: 'UPLOADING' | 'PROCESSING' = 'PROCESSING'): Promise<string> {
    const { id } = await uploadingSession(core, userId);
    if (status === 'PROCESSING') await storeOriginal(core, id, videoFile, 4);
    return id;
  }

  const get = (url: string, range?: string) => fetch(url, range === undefined ? {} : { headers: { range } });
  const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

  beforeAll(async () => {
    dir = await tempDir('wn-local-media-');
    videoFile = await makeToneVideo(dir.dir, 4);
    video = await readFile(videoFile);
    // PUBLIC_BASE_URL must name the app's address before the app exists.
    base = `http://127.0.0.1:${await freePort()}`;
    // No S3_ENDPOINT: the embedded store under DATA_DIR.
    config = testConfig({ DATA_DIR: dir.dir, PUBLIC_BASE_URL: base });
    core = await createCore(config, createLogger(config.logLevel));
    app = buildWebApp(core, { linkSecret: config.web.linkSecret! });
    await app.listen({ port: Number(new URL(base).port), host: '127.0.0.1' });
    redis = new Redis(config.redis.url);
    userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: `local-media-${randomUUID()}` });
  });

  afterAll(async () => {
    await app?.close();
    if (redis) {
      await removeQueuesAndKeys(config, redis);
      redis.disconnect();
    }
    await core?.close();
    await dir?.cleanup();
  });

  it('links the page to this server, under PUBLIC_BASE_URL, and lets the page play from here only', async () => {
    expect(core.store).toBeInstanceOf(LocalObjectStore);
    const id = await session();

    const json = (await (await get(`${base}/api/sessions/${id}?t=${token(id)}`)).json()) as SessionJson;
    expect(json.media).toEqual({ url: mediaUrl(id), kind: 'video' });

    const page = await get(`${base}/s/${id}?t=${token(id)}`);
    expect(await page.text()).toContain(`src="${mediaUrl(id).replaceAll('&', '&amp;')}"`);
    expect(page.headers.get('content-security-policy')).toContain(`media-src 'self' ${base};`);
  });

  it('serves the whole recording with its type, length and the promise of ranges', async () => {
    const id = await session();

    const whole = await get(mediaUrl(id));

    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-length')).toBe(String(video.length));
    expect((await bytesOf(whole)).equals(video)).toBe(true);

    const head = await fetch(mediaUrl(id), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(video.length));
  });

  it('answers byte ranges with 206 and the exact bytes: a start, an open end, a suffix, an end past the file', async () => {
    const id = await session();
    const size = video.length;
    const cases: Array<[range: string, start: number, end: number]> = [
      ['bytes=0-99', 0, 99],
      // A player seeking to the middle asks for everything from there.
      [`bytes=${Math.floor(size / 2)}-`, Math.floor(size / 2), size - 1],
      // Where an MP4 written by a recorder keeps its index.
      ['bytes=-500', size - 500, size - 1],
      [`bytes=${size - 10}-${size + 1000}`, size - 10, size - 1],
      [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const part = await get(mediaUrl(id), range);
      expect(part.status, range).toBe(206);
      expect(part.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${size}`);
      expect(part.headers.get('content-length'), range).toBe(String(end - start + 1));
      expect(part.headers.get('content-type'), range).toBe('video/mp4');
      expect((await bytesOf(part)).equals(video.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers 416 with the length for a range it cannot satisfy, and ignores what it may ignore', async () => {
    const id = await session();
    const size = video.length;
    for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=20-10', 'bytes=-0', 'bytes=abc', 'bytes=-']) {
      const refused = await get(mediaUrl(id), range);
      expect(refused.status, range).toBe(416);
      expect(refused.headers.get('content-range'), range).toBe(`bytes */${size}`);
    }
    // Another unit, or several ranges at once: a server may send the whole file instead.
    for (const range of ['items=0-1', 'bytes=0-1,5-6']) {
      const whole = await get(mediaUrl(id), range);
      expect(whole.status, range).toBe(200);
      expect((await bytesOf(whole)).length, range).toBe(size);
    }
  });

  it('lets a real player seek: ffprobe reads the recording, index at the end, through the link', async () => {
    const id = await session();
    const probed = await probeMedia(mediaUrl(id));
    expect(probed).toMatchObject({ hasAudio: true, hasVideo: true });
    expect(probed.durationSeconds).toBeCloseTo(4, 0);
  });

  it('plays in Chromium from this server, within the page’s CSP, and seeks', async () => {
    const id = await session();
    // Debian's package, as in test/e2e/web-browser.test.ts.
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      // Loopback only: anything else the page tried to reach would fail here.
      await page.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
      const consoleErrors: string[] = [];
      page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
      await page.goto(`${base}/s/${id}?t=${token(id)}`);
      const player = page.locator('#player');
      const state = () =>
        player.evaluate((element) => {
          const p = element as unknown as Player;
          return { ready: p.readyState, seeking: p.seeking, at: p.currentTime, seekableTo: p.seekable.length ? p.seekable.end(0) : 0 };
        });

      await expect.poll(async () => (await state()).ready).toBeGreaterThanOrEqual(1);
      expect((await state()).seekableTo).toBeCloseTo(4, 0);
      await player.evaluate((element) => void ((element as unknown as Player).currentTime = 2.5));
      await expect.poll(async () => (await state()).seeking).toBe(false);
      expect((await state()).at).toBeCloseTo(2.5, 1);
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("answers the page's own 404 for a missing, wrong or borrowed token, an unknown session, and no recording", async () => {
    const id = await session();
    const other = await session();
    const uploading = await session('UPLOADING');
    const deleted = await session();
    await core.store.deletePrefix(core.layout.prefixes(deleted)[0]!);
    const unknown = randomUUID();
    const pageNotFound = await get(`${base}/s/${id}?t=wrong`);
    const expected = await pageNotFound.text();
    expect(pageNotFound.status).toBe(404);

    const urls = [
      `${base}/s/${id}/media`,
      `${base}/s/${id}/media?t=`,
      mediaUrl(id, `${token(id).slice(0, -2)}xx`),
      mediaUrl(id, token(other)),
      mediaUrl(unknown),
      `${base}/s/not-a-uuid/media?t=${token('not-a-uuid')}`,
      mediaUrl(uploading),
      mediaUrl(deleted),
    ];
    for (const url of urls) {
      const refused = await get(url, 'bytes=0-99');
      expect(refused.status, url).toBe(404);
      expect(await refused.text(), url).toBe(expected);
    }
    expect((await get(mediaUrl(id), 'bytes=0-99')).status).toBe(206);
  });
});
