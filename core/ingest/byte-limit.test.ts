import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { ByteLimit, formatBytes } from './byte-limit.js';

const chunks = (n: number, size: number) => Readable.from(Array.from({ length: n }, () => Buffer.alloc(size)));

describe('byte limit', () => {
  it('passes a stream at or under the cap through untouched', async () => {
    const limit = new ByteLimit(4096);
    let seen = 0;
    await pipeline(chunks(4, 1024), limit, async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) seen += c.length;
    });
    expect(seen).toBe(4096);
  });

  it('fails with MEDIA_TOO_LARGE as soon as the cap is passed', async () => {
    const limit = new ByteLimit(4096);
    let seen = 0;
    const err = await pipeline(chunks(100, 1024), limit, async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) seen += c.length;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('MEDIA_TOO_LARGE');
    expect((err as AppError).userMessage).toContain('4.1 KB');
    expect(seen).toBeLessThanOrEqual(4096);
  });

  it('formats sizes for people', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(2_147_483_648)).toBe('2.1 GB');
  });
});
