import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSilenceBomb, makeSpeechVideo, makeToneVideo, run, tempDir, type MediaDir } from '../../test/helpers/media.js';
import { extractAudio, probeMedia, runFfmpeg } from './ffmpeg.js';
import { expectAppError } from '../../test/helpers/assertions.js';

/** `cut-media-read`: after the first request, reads of the first half (the media data, not the index at the end) are cut. */
type ServeMode = 'whole' | 'cut-media-read' | 'stall' | 'unavailable';

interface FileServer {
  url: string;
  /** The Range header of each request, '' when there was none. */
  ranges: string[];
  /** Resolves when a request's connection closes before its response was finished. */
  abandoned: Promise<void>;
  close(): Promise<void>;
}

/** Serves one file on 127.0.0.1 with Range support, like object storage behind a presigned URL. */
async function serveFile(file: string, mode: ServeMode = 'whole'): Promise<FileServer> {
  const body = await readFile(file);
  const ranges: string[] = [];
  let markAbandoned: () => void = () => {};
  const abandoned = new Promise<void>((resolve) => (markAbandoned = resolve));
  const server = http.createServer((req, res) => {
    ranges.push(req.headers.range ?? '');
    res.on('close', () => {
      if (!res.writableFinished) markAbandoned();
    });
    if (mode === 'unavailable') return void res.writeHead(503).end();
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    const end = match?.[2] ? Math.min(Number(match[2]), body.length - 1) : body.length - 1;
    res.writeHead(match ? 206 : 200, {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'content-length': end - start + 1,
      ...(match ? { 'content-range': `bytes ${start}-${end}/${body.length}` } : {}),
    });
    const slice = body.subarray(start, end + 1);
    if (mode === 'stall') return void res.write(slice.subarray(0, 1024));
    if (mode === 'cut-media-read' && ranges.length > 1 && start < body.length / 2) {
      res.write(slice.subarray(0, 1024), () => res.destroy());
      return;
    }
    res.end(slice);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${path.basename(file)}?X-Amz-Signature=secret`,
    ranges,
    abandoned,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const ffprobeStreams = async (file: string) => {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file]);
  return JSON.parse(stdout) as {
    streams: { codec_name: string; sample_rate: string; channels: number; sample_fmt: string }[];
    format: { duration: string };
  };
};

describe('audio extraction', () => {
  let media: MediaDir;
  let toneVideo: string;
  let speechVideo: string;
  let silentVideo: string;

  beforeAll(async () => {
    media = await tempDir();
    toneVideo = await makeToneVideo(media.dir, 30);
    speechVideo = await makeSpeechVideo(media.dir, 'Okay team, let us ship the two fixes before the demo on Thursday.');
    silentVideo = path.join(media.dir, 'no-sound.mp4');
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=5:duration=3',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', silentVideo,
    ]);
  });
  afterAll(() => media.cleanup());

  it('reads a recording from a URL with range requests and writes 16 kHz mono FLAC, reporting progress', async () => {
    const server = await serveFile(toneVideo);
    try {
      const info = await probeMedia(server.url);
      expect(info).toMatchObject({ hasAudio: true, hasVideo: true });
      expect(info.formatName).toContain('mp4');
      expect(info.durationSeconds).toBeCloseTo(30, 0);

      server.ranges.length = 0;
      const fractions: number[] = [];
      const out = path.join(media.dir, 'tone.flac');
      const result = await extractAudio(server.url, out, {
        durationSeconds: info.durationSeconds,
        onProgress: (f) => fractions.push(f),
      });

      // The helper writes the moov atom at the end: ffmpeg must jump there rather than read everything first.
      const size = (await stat(toneVideo)).size;
      const rangeStarts = server.ranges.map((r) => Number(/^bytes=(\d+)-/.exec(r)?.[1] ?? -1));
      expect(rangeStarts.some((start) => start > size / 2)).toBe(true);

      const probed = await ffprobeStreams(out);
      expect(probed.streams).toHaveLength(1);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'flac', sample_rate: '16000', channels: 1, sample_fmt: 's16' });
      expect(Number(probed.format.duration)).toBeCloseTo(30, 0);
      expect(result.durationSeconds).toBeCloseTo(Number(probed.format.duration), 1);

      expect(fractions.length).toBeGreaterThan(0);
      expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
      expect(fractions.every((f) => f >= 0 && f <= 1)).toBe(true);
      expect(fractions.at(-1)).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('extracts speech from a local file, probing the length itself when progress is wanted', async () => {
    const fractions: number[] = [];
    const out = path.join(media.dir, 'speech.flac');
    const { durationSeconds } = await extractAudio(speechVideo, out, { onProgress: (f) => fractions.push(f) });
    const probed = await ffprobeStreams(out);
    expect(Number(probed.format.duration)).toBeCloseTo(durationSeconds, 1);
    expect(durationSeconds).toBeGreaterThan(2);
    expect(fractions.at(-1)).toBe(1);
  });

  it('says a video without a sound track has no audio', async () => {
    await expect(probeMedia(silentVideo)).resolves.toMatchObject({ hasAudio: false, hasVideo: true });
    const out = path.join(media.dir, 'none.flac');
    const err = await expectAppError(extractAudio(silentVideo, out), 'NO_AUDIO', false);
    expect(err.userMessage).toMatch(/no sound track/);
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('calls a truncated upload corrupt, without leaking the signed URL', async () => {
    const whole = await readFile(toneVideo);
    const truncated = path.join(media.dir, 'truncated.mp4');
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const server = await serveFile(truncated);
    try {
      await expectAppError(probeMedia(server.url), 'CORRUPT_MEDIA', false);
      const err = await expectAppError(extractAudio(server.url, path.join(media.dir, 't.flac')), 'CORRUPT_MEDIA', false);
      expect(String((err.cause as Error).message)).toMatch(/moov atom not found|Invalid data/);
      expect(String((err.cause as Error).message)).not.toContain('secret');
    } finally {
      await server.close();
    }
  });

  it('calls a text file corrupt', async () => {
    const notes = path.join(media.dir, 'notes.txt');
    await writeFile(notes, 'Agenda: ship the fixes, write the release notes.\n');
    await expectAppError(probeMedia(notes), 'CORRUPT_MEDIA', false);
    await expectAppError(extractAudio(notes, path.join(media.dir, 'notes.flac')), 'CORRUPT_MEDIA', false);
  });

  it('treats storage failures as retryable: refused, unavailable, cut mid-read', async () => {
    const refused = await serveFile(toneVideo);
    const refusedUrl = refused.url;
    await refused.close();
    await expectAppError(extractAudio(refusedUrl, path.join(media.dir, 'r.flac')), 'STORAGE_UNAVAILABLE', true);

    const unavailable = await serveFile(toneVideo, 'unavailable');
    try {
      await expectAppError(probeMedia(unavailable.url), 'STORAGE_UNAVAILABLE', true);
    } finally {
      await unavailable.close();
    }

    const cut = await serveFile(toneVideo, 'cut-media-read');
    const out = path.join(media.dir, 'cut.flac');
    try {
      const err = await expectAppError(extractAudio(cut.url, out, { durationSeconds: 30 }), 'STORAGE_UNAVAILABLE', true);
      expect(String((err.cause as Error).message)).not.toContain('secret');
      await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await cut.close();
    }
  });

  it('writes no more audio than maxSeconds from a file whose header claims seconds but holds hours', async () => {
    const bomb = await makeSilenceBomb(media.dir, 5 * 3600, { claimSeconds: 2, name: 'lying.flac' });
    expect((await stat(bomb)).size).toBeLessThan(64 * 1024);
    expect((await probeMedia(bomb)).durationSeconds).toBe(2); // what ingest sees and lets through

    const out = path.join(media.dir, 'lying-audio.flac');
    const fractions: number[] = [];
    const err = await expectAppError(
      extractAudio(bomb, out, { durationSeconds: 2, maxSeconds: 60, onProgress: (f) => fractions.push(f) }),
      'MEDIA_TOO_LONG',
      false,
    );
    expect(err.userMessage).toBe('This recording is longer than 1 min. Split it into shorter parts and send them one at a time.');
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(fractions.every((f) => f <= 1)).toBe(true);
  });

  it('extracts a recording as long as maxSeconds in full', async () => {
    const out = path.join(media.dir, 'at-limit.flac');
    const { durationSeconds } = await extractAudio(toneVideo, out, { maxSeconds: 30 });
    expect(durationSeconds).toBeCloseTo(30, 0);
    expect(Number((await ffprobeStreams(out)).format.duration)).toBeCloseTo(30, 0);
  });

  it('kills ffmpeg when the signal aborts', async () => {
    const server = await serveFile(toneVideo, 'stall');
    const out = path.join(media.dir, 'aborted.flac');
    try {
      const controller = new AbortController();
      const extraction = extractAudio(server.url, out, { durationSeconds: 30, signal: controller.signal });
      const outcome = extraction.catch((e: unknown) => e);
      // Wait until ffmpeg is mid-read: the server is holding its first response open.
      await expect.poll(() => server.ranges.length, { timeout: 10_000 }).toBeGreaterThan(0);
      controller.abort();
      expect(await outcome).toMatchObject({ name: 'AbortError' });
      // The reading connection went away with the process.
      await server.abandoned;
      await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await server.close();
    }
  });
});

describe('runFfmpeg', () => {
  it('rejects with the exit and the tail of stderr when ffmpeg fails', async () => {
    const run = runFfmpeg(['-hide_banner', '-loglevel', 'error', '-i', 'file:/nonexistent/input.flac', '-f', 'null', '-']);
    await expect(run).rejects.toThrow(/^ffmpeg exited with \d+: .*No such file or directory/);
  });

  it('kills ffmpeg when the signal aborts and rejects with its reason', async () => {
    const controller = new AbortController();
    // Endless silence at real-time speed: only the kill ends it.
    const run = runFfmpeg(['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'anullsrc', '-f', 'null', '-'], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 200);
    await expect(run).rejects.toThrow('stop');
  });
});
