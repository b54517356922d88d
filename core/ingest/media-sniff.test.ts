import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, tempDir, type MediaDir } from '../../test/helpers/media.js';
import { readHead, sniffMedia } from './media-sniff.js';

const HEAD_BYTES = 4096;

const video = ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5:duration=1'];
const tone = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1'];
const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

/** One real file per container, made by ffmpeg: [file name, ffmpeg arguments, what sniffMedia must say]. */
const SAMPLES: [string, string[], { kind: 'video' | 'audio'; ext: string; contentType: string }][] = [
  ['clip.mp4', [...video, ...tone, ...h264, '-c:a', 'aac'], { kind: 'video', ext: 'mp4', contentType: 'video/mp4' }],
  ['clip.mov', [...video, ...tone, ...h264, '-c:a', 'aac'], { kind: 'video', ext: 'mov', contentType: 'video/quicktime' }],
  ['clip.3gp', [...video, ...tone, ...h264, '-c:a', 'aac'], { kind: 'video', ext: '3gp', contentType: 'video/3gpp' }],
  ['clip.m4a', [...tone, '-c:a', 'aac'], { kind: 'audio', ext: 'm4a', contentType: 'audio/mp4' }],
  ['clip.webm', [...video, ...tone, '-c:v', 'libvpx', '-deadline', 'realtime', '-c:a', 'libopus'], { kind: 'video', ext: 'webm', contentType: 'video/webm' }],
  ['clip.mkv', [...video, ...tone, ...h264, '-c:a', 'aac'], { kind: 'video', ext: 'mkv', contentType: 'video/x-matroska' }],
  ['clip.avi', [...video, ...tone, '-c:v', 'mpeg4', '-c:a', 'libmp3lame'], { kind: 'video', ext: 'avi', contentType: 'video/x-msvideo' }],
  ['tagged.mp3', [...tone, '-c:a', 'libmp3lame'], { kind: 'audio', ext: 'mp3', contentType: 'audio/mpeg' }],
  ['bare.mp3', [...tone, '-c:a', 'libmp3lame', '-id3v2_version', '0', '-write_xing', '0'], { kind: 'audio', ext: 'mp3', contentType: 'audio/mpeg' }],
  ['clip.wav', [...tone, '-c:a', 'pcm_s16le'], { kind: 'audio', ext: 'wav', contentType: 'audio/wav' }],
  ['clip.ogg', [...tone, '-c:a', 'libvorbis'], { kind: 'audio', ext: 'ogg', contentType: 'audio/ogg' }],
  ['clip.ogv', [...video, ...tone, '-c:v', 'libtheora', '-c:a', 'libvorbis'], { kind: 'video', ext: 'ogv', contentType: 'video/ogg' }],
  ['clip.flac', [...tone, '-c:a', 'flac'], { kind: 'audio', ext: 'flac', contentType: 'audio/flac' }],
  ['clip.ts', [...video, ...tone, ...h264, '-c:a', 'aac'], { kind: 'video', ext: 'ts', contentType: 'video/mp2t' }],
  ['clip.aac', [...tone, '-c:a', 'aac', '-f', 'adts'], { kind: 'audio', ext: 'aac', contentType: 'audio/aac' }],
];

let media: MediaDir;

async function firstBytes(file: string, bytes = HEAD_BYTES): Promise<Buffer> {
  const handle = await open(file);
  try {
    const { buffer: head, bytesRead } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

beforeAll(async () => {
  media = await tempDir('wn-sniff-');
  for (const [name, args] of SAMPLES) {
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, path.join(media.dir, name)]);
  }
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...video, '-frames:v', '1', path.join(media.dir, 'still.png')]);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...video, '-frames:v', '1', path.join(media.dir, 'still.jpg')]);
});

afterAll(async () => {
  await media?.cleanup();
});

describe('sniffMedia', () => {
  it.each(SAMPLES.map(([name, , expected]) => [name, expected] as const))('recognises %s by its first bytes', async (name, expected) => {
    expect(sniffMedia(await firstBytes(path.join(media.dir, name)))).toEqual(expected);
  });

  it('recognises a file from only its first few hundred bytes', async () => {
    expect(sniffMedia(await firstBytes(path.join(media.dir, 'clip.webm'), 64))?.ext).toBe('webm');
    expect(sniffMedia(await firstBytes(path.join(media.dir, 'clip.ts'), 400))?.ext).toBe('ts');
  });

  it('looks past an ID3 tag in front of FLAC or AAC', async () => {
    const emptyId3 = Buffer.from('ID3\x04\0\0\0\0\0\0', 'latin1');
    const flac = await firstBytes(path.join(media.dir, 'clip.flac'));
    const aac = await firstBytes(path.join(media.dir, 'clip.aac'));
    expect(sniffMedia(Buffer.concat([emptyId3, flac]))?.ext).toBe('flac');
    expect(sniffMedia(Buffer.concat([emptyId3, aac]))?.ext).toBe('aac');
  });

  it('recognises QuickTime that predates the ftyp box', () => {
    const wideThenMdat = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('wide', 'latin1'), Buffer.from([0, 0, 0x10, 0]), Buffer.from('mdat', 'latin1')]);
    expect(sniffMedia(wideThenMdat)?.ext).toBe('mov');
  });

  it.each([
    ['PNG picture', 'still.png'],
    ['JPEG picture', 'still.jpg'],
  ])('refuses a %s', async (_what, name) => {
    expect(sniffMedia(await firstBytes(path.join(media.dir, name)))).toBeNull();
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x47])],
    ['text', Buffer.from('Meeting notes: ftyp moov mdat\nGreat call everyone!\n')],
    ['HTML page', Buffer.from('<!doctype html><html><body>Sign in to view this video</body></html>')],
    ['PDF', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1')],
    ['ZIP', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), randomBytes(200)])],
    ['HEIC picture', Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(64)])],
    ['AVIF picture', Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif\0\0\0\0avifmif1miafMA1B', 'latin1'), Buffer.alloc(64)])],
    ['text full of Gs (MPEG-TS sync bytes)', Buffer.from('G'.repeat(600))],
    ['RIFF that is neither AVI nor WAVE', Buffer.from('RIFF\x10\0\0\0WEBPVP8 ', 'latin1')],
  ])('refuses %s', (_what, head) => {
    expect(sniffMedia(head)).toBeNull();
  });
});

/** A stream of `total` pseudo-random bytes, made chunk by chunk as it is read; counts what it has made. */
function lazySource(total: number, chunk = 64 * 1024) {
  let produced = 0;
  const hash = createHash('sha256');
  const stream = new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      const next = randomBytes(Math.min(chunk, total - produced));
      produced += next.length;
      hash.update(next);
      this.push(next);
    },
  });
  return { stream, produced: () => produced, digest: () => hash.digest('hex') };
}

describe('readHead', () => {
  it('peeks at a multi-MB stream and still hands over every byte', async () => {
    const source = lazySource(5 * 1024 * 1024);
    const { head, stream } = await readHead(source.stream, HEAD_BYTES);
    expect(head).toHaveLength(HEAD_BYTES);
    // Only the head has been pulled from the source so far, not the whole stream.
    expect(source.produced()).toBeLessThan(1024 * 1024);

    const all = await buffer(stream);
    expect(all).toHaveLength(5 * 1024 * 1024);
    expect(all.subarray(0, HEAD_BYTES).equals(head)).toBe(true);
    expect(createHash('sha256').update(all).digest('hex')).toBe(source.digest());
  });

  it('gathers a head that spans several small chunks', async () => {
    const bytes = randomBytes(10_000);
    const chunks = Array.from({ length: 100 }, (_, i) => bytes.subarray(i * 100, (i + 1) * 100));
    const { head, stream } = await readHead(Readable.from(chunks), 4096);
    expect(head.equals(bytes.subarray(0, 4096))).toBe(true);
    expect((await buffer(stream)).equals(bytes)).toBe(true);
  });

  it('works on a stream shorter than the head', async () => {
    const bytes = randomBytes(100);
    const { head, stream } = await readHead(Readable.from([bytes.subarray(0, 60), bytes.subarray(60)]), HEAD_BYTES);
    expect(head.equals(bytes)).toBe(true);
    expect((await buffer(stream)).equals(bytes)).toBe(true);
  });

  it('hands over every byte of a stream that was already whole and ended when the head was read', async () => {
    // A small upload arrives in one chunk: the stream ends on the next tick, before the caller resumes.
    const bytes = randomBytes(33_000);
    const whole = new PassThrough();
    whole.end(bytes);
    const { head, stream } = await readHead(whole, HEAD_BYTES);
    expect(head.equals(bytes.subarray(0, HEAD_BYTES))).toBe(true);
    expect((await buffer(stream)).equals(bytes)).toBe(true);
  });

  it('works on an empty stream', async () => {
    const { head, stream } = await readHead(Readable.from([]), HEAD_BYTES);
    expect(head).toHaveLength(0);
    expect(await buffer(stream)).toHaveLength(0);
  });

  it('keeps a real file intact, so what is stored is what was sent', async () => {
    const file = path.join(media.dir, 'clip.mp4');
    const { head, stream } = await readHead(createReadStream(file, { highWaterMark: 1024 }), HEAD_BYTES);
    expect(sniffMedia(head)?.ext).toBe('mp4');
    expect((await buffer(stream)).equals(await readFile(file))).toBe(true);
  });

  it('passes on a failure that happens before the head is complete', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(readHead(failing, HEAD_BYTES)).rejects.toThrow('connection reset');
  });
});
