import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/cli.js';
import { ConfigError, loadConfig } from '../../core/config.js';
import { closeServer } from '../helpers/http.js';
import { makeSilenceBomb } from '../helpers/media.js';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness.js';
import { sessionObjects } from '../helpers/s3-server.js';
import { testEnv } from '../helpers/config.js';
import { until } from '../helpers/until.js';

/**
 * Recordings and links built to make us work forever: a few kilobytes that decode into hours, a header that
 * lies about the length, and downloads that never end, drip, or stall. Each must end with a clear error and
 * leave no object behind (a refused upload) or no audio beyond the limit (a lying header).
 */

const MAX_MEDIA_SECONDS = 1800;
const FETCH_TIMEOUT_SECONDS = 2;
/** Roomy enough that the endless download below stays under it for longer than the time limit. */
const MAX_MEDIA_BYTES = 64 * 1024 * 1024;

let h: PipelineHarness;
let hostile: HostileServer;

interface HostileServer {
  url: string;
  /** Paths whose response the client abandoned before it ended. */
  abandoned: string[];
  close(): Promise<void>;
}

/**
 * Links on 127.0.0.1 that misbehave. Every body starts with a real MP4's first bytes, so the recording passes
 * the magic-byte check and the download really starts (and, for /endless, multipart parts really upload).
 */
async function startHostileServer(videoHead: Buffer): Promise<HostileServer> {
  const abandoned: string[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    res.once('close', () => {
      if (!res.writableFinished) abandoned.push(path);
    });
    const every = (ms: number, next: () => Buffer) => {
      const timer = setInterval(() => res.write(next()), ms);
      res.once('close', () => clearInterval(timer));
    };
    if (path === '/endless.mp4') {
      // Chunked, never ends, never pauses: 256 KB every 20 ms (~12 MB/s), under the size cap for seconds.
      res.writeHead(200, { 'content-type': 'video/mp4' }).write(videoHead);
      const junk = Buffer.alloc(256 * 1024, 7);
      every(20, () => junk);
    } else if (path === '/drip.mp4') {
      // A byte every 50 ms: never a pause long enough to time out, never enough to finish.
      res.writeHead(200, { 'content-type': 'video/mp4' });
      let at = 0;
      every(50, () => videoHead.subarray(at, ++at));
    } else if (path === '/headers-then-nothing.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4' }).flushHeaders();
    } else if (path === '/declared-huge.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(MAX_MEDIA_BYTES + 1) }).write(videoHead);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    abandoned,
    close: () => {
      server.closeAllConnections();
      return closeServer(server);
    },
  };
}

async function submit(target: string, ...flags: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['submit', target, '--json', ...flags], h.core, { out: (l) => out.push(l), err: (l) => err.push(l) }, 100);
  return { code, result: JSON.parse(out.join('\n')) as { id: string; status: string; error: { code: string; message: string } | null } };
}

beforeAll(async () => {
  h = await startPipelineHarness({
    MAX_MEDIA_SECONDS: String(MAX_MEDIA_SECONDS),
    MAX_MEDIA_BYTES: String(MAX_MEDIA_BYTES),
    FETCH_TIMEOUT_SECONDS: String(FETCH_TIMEOUT_SECONDS),
  });
  hostile = await startHostileServer((await readFile(h.video)).subarray(0, 64 * 1024));
});

afterAll(async () => {
  await hostile?.close();
  await h?.close();
});

describe('MAX_MEDIA_SECONDS', () => {
  it('is 4 hours unless set, and must be a positive whole number', () => {
    expect(loadConfig(testEnv()).ingest.maxMediaSeconds).toBe(4 * 3600);
    expect(() => loadConfig(testEnv({ MAX_MEDIA_SECONDS: '0' }))).toThrow(ConfigError);
    expect(() => loadConfig(testEnv({ MAX_MEDIA_SECONDS: 'forever' }))).toThrow(/MAX_MEDIA_SECONDS/);
  });
});

describe('a small file that decodes into hours', () => {
  it('is refused right after the probe, its upload deleted, nothing queued', async () => {
    const bomb = await makeSilenceBomb(h.media.dir, 5 * 3600);
    const transcribed = h.whisperx.requests.length;

    const { code, result } = await submit(bomb);
    expect(code).toBe(1);
    expect(result).toMatchObject({ status: 'FAILED', error: { code: 'MEDIA_TOO_LONG' } });
    expect(result.error!.message).toBe('This recording is 5 h long; the limit is 30 min. Split it into shorter parts and send them one at a time.');
    expect(await sessionObjects(h.config.s3, result.id)).toEqual([]);
    expect((await h.progressOf(result.id)).map((e) => e.stage)).not.toContain('queued');
    expect(h.whisperx.requests.length).toBe(transcribed);
  });

  it('with a header claiming two seconds, is let in, and extraction stops at the limit', async () => {
    const liar = await makeSilenceBomb(h.media.dir, 5 * 3600, { claimSeconds: 2, name: 'liar.flac' });
    const transcribed = h.whisperx.requests.length;

    const { result } = await submit(liar, '--wait');
    expect(result).toMatchObject({ status: 'FAILED', error: { code: 'MEDIA_TOO_LONG' } });
    expect(result.error!.message).toMatch(/^This recording is longer than 30 min\./);
    const session = (await h.core.sessionService.get(result.id))!;
    expect(session.durationSeconds).toBe(2); // what the header said, and what ingest believed
    const events = await h.progressOf(result.id);
    expect(events.at(-1)).toMatchObject({ status: 'FAILED', stage: 'audio', error: { code: 'MEDIA_TOO_LONG' } });
    // Refused at once (not retried), and the transcriber never got the audio.
    expect(session.attempts).toBe(1);
    expect(h.whisperx.requests.length).toBe(transcribed);
  });
});

describe('downloads that do not end', () => {
  it.each([
    ['/endless.mp4', 'a chunked body that never ends nor pauses', /took longer than 2 s/],
    ['/drip.mp4', 'a body that drips a byte at a time', /took longer than 2 s/],
    // Its pause limit is the time limit here (the shorter of a minute and FETCH_TIMEOUT_SECONDS): either ends it.
    ['/headers-then-nothing.mp4', 'headers, then silence', /stopped responding|took longer than 2 s/],
  ])('%s (%s) fails with DOWNLOAD_TIMEOUT within the time limit, leaving no object', async (path, _what, message) => {
    const { code, result } = await submit(`${hostile.url}${path}`);
    expect(code).toBe(1);
    expect(result).toMatchObject({ status: 'FAILED', error: { code: 'DOWNLOAD_TIMEOUT' } });
    expect(result.error!.message).toMatch(message);
    expect(await sessionObjects(h.config.s3, result.id)).toEqual([]);
    await until(`the server to see ${path} abandoned`, async () => hostile.abandoned.includes(path));
  });

  it('a Content-Length over the cap is refused before the body is read', async () => {
    const { result } = await submit(`${hostile.url}/declared-huge.mp4`);
    expect(result).toMatchObject({ status: 'FAILED', error: { code: 'MEDIA_TOO_LARGE' } });
    expect(await sessionObjects(h.config.s3, result.id)).toEqual([]);
    await until('the server to see the download abandoned', async () => hostile.abandoned.includes('/declared-huge.mp4'));
  });
});
