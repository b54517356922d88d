import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { startS3, type TestS3 } from '../../test/helpers/s3-server.js';
import type { Config } from '../config.js';
import { storageLayout, type StorageLayout } from '../domain/storage-layout.js';
import { AppError } from '../errors.js';
import { createS3Client, S3ObjectStore } from './s3.object-store.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
// S3's smallest part, so a few MB already make a multipart upload of several parts.
const PART_SIZE = 5 * MiB;

/** Streams `data` in small chunks, as a download or a file read delivers it. */
function streamOf(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += CHUNK) yield data.subarray(at, at + CHUNK);
    })(),
  );
}

/** A source that delivers `bytes` of data and then fails with `error`, like a download cut off mid-way. */
function failingStream(bytes: number, error: Error): Readable {
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < bytes; sent += CHUNK) yield randomBytes(CHUNK);
      throw error;
    })(),
  );
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('S3ObjectStore', () => {
  let s3: TestS3;
  let config: Config;
  let store: S3ObjectStore;
  let layout: StorageLayout;
  let rawClient: S3Client;

  /** Every key in a bucket, read straight from the server (s3rver lists up to 1000, plenty here). */
  async function keysIn(bucket: string): Promise<string[]> {
    const page = await rawClient.send(new ListObjectsCommand({ Bucket: bucket }));
    return (page.Contents ?? []).map((o) => o.Key ?? '');
  }

  beforeAll(async () => {
    s3 = await startS3();
    config = testConfig({ S3_ENDPOINT: s3.endpoint });
    store = new S3ObjectStore(config.s3, { partSize: PART_SIZE });
    layout = storageLayout(config.s3.buckets);
    rawClient = createS3Client(config.s3);
    await store.ensureBuckets();
  });

  afterAll(async () => {
    store?.close();
    rawClient?.destroy();
    await s3?.close();
  });

  it('creates both buckets when missing, idempotently, even when two processes start together', async () => {
    const fresh = testConfig({ S3_ENDPOINT: s3.endpoint });
    const first = new S3ObjectStore(fresh.s3);
    const second = new S3ObjectStore(fresh.s3);
    try {
      await expect(first.ping()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });

      await Promise.all([first.ensureBuckets(), second.ensureBuckets()]);
      await first.ensureBuckets();

      await expect(first.ping()).resolves.toBeUndefined();
      await first.putJson({ bucket: fresh.s3.buckets.transcripts, key: 'probe.json' }, { ok: true });
      await expect(first.getJson({ bucket: fresh.s3.buckets.transcripts, key: 'probe.json' })).resolves.toEqual({ ok: true });
    } finally {
      first.close();
      second.close();
    }
  });

  it('streams a ~20 MB recording in several parts and serves it back byte for byte, ranges included', async () => {
    const data = randomBytes(20 * MiB + 12_345);
    const ref = layout.original(randomUUID(), 'mp4');
    const progress: number[] = [];

    const result = await store.upload(ref, streamOf(data), {
      contentType: 'video/mp4',
      onProgress: (bytes) => progress.push(bytes),
    });

    expect(result.bytes).toBe(data.length);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(data.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await store.exists(ref)).toBe(true);

    const url = await store.presignGet(ref, 300);
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);

    // A range across the first part boundary, as ffmpeg reads a file with its index at the end.
    const from = PART_SIZE - 10;
    const to = PART_SIZE + 19;
    const range = await fetch(url, { headers: { Range: `bytes=${from}-${to}` } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes ${from}-${to}/${data.length}`);
    expect(Buffer.from(await range.arrayBuffer()).equals(data.subarray(from, to + 1))).toBe(true);
  });

  it('stores JSON documents and answers null for one that does not exist', async () => {
    const sessionId = randomUUID();
    const todos = { session_id: sessionId, todos: [{ id: '1', task: 'Send the report', completed: false }] };

    await store.putJson(layout.todos(sessionId), todos);

    expect(await store.getJson(layout.todos(sessionId))).toEqual(todos);
    expect(await store.getJson(layout.summary(sessionId))).toBeNull();
    const served = await fetch(await store.presignGet(layout.todos(sessionId), 60));
    expect(served.headers.get('content-type')).toBe('application/json');
  });

  it('tells whether an object exists', async () => {
    const sessionId = randomUUID();
    await store.putJson(layout.transcript(sessionId), { segments: [] });

    expect(await store.exists(layout.transcript(sessionId))).toBe(true);
    expect(await store.exists(layout.todos(sessionId))).toBe(false);
  });

  it('a source that fails after a few MB rejects with its own error and leaves no object', async () => {
    const ref = layout.original(randomUUID(), 'mp4');
    const cutOff = new Error('connection to the link was lost');

    // More than one part: the multipart upload has begun when the source fails.
    await expect(store.upload(ref, failingStream(7 * MiB, cutOff))).rejects.toBe(cutOff);

    expect(await store.exists(ref)).toBe(false);
    expect(await keysIn(ref.bucket)).not.toContain(ref.key);
  });

  it('an upload cancelled mid-way rejects with the reason and leaves no object', async () => {
    const ref = layout.original(randomUUID(), 'mp4');
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    let produced = 0;
    const endless = Readable.from(
      (function* () {
        // Bounded, so a cancel that does not work shows up as a completed upload, not a hung test.
        for (; produced < 60 * MiB; produced += CHUNK) yield randomBytes(CHUNK);
      })(),
    );

    const upload = store.upload(ref, endless, {
      signal: controller.signal,
      // The first part is stored: cancel while later parts are still being read and sent.
      onProgress: () => controller.abort(reason),
    });

    await expect(upload).rejects.toBe(reason);
    expect(produced).toBeLessThan(60 * MiB);
    expect(endless.destroyed).toBe(true);
    expect(await store.exists(ref)).toBe(false);
    expect(await keysIn(ref.bucket)).not.toContain(ref.key);
  });

  it('a cancel that arrives once the last byte is stored still leaves no object', async () => {
    const ref = layout.original(randomUUID(), 'm4a');
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');

    // A small file goes up in one request; progress is reported once it is stored.
    const upload = store.upload(ref, streamOf(randomBytes(10_000)), {
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    });

    await expect(upload).rejects.toBe(reason);
    expect(await store.exists(ref)).toBe(false);
  });

  it('a store that refuses the upload gives STORAGE_UNAVAILABLE and leaves the source closed', async () => {
    const ref = { bucket: `missing-${randomBytes(4).toString('hex')}`, key: `${randomUUID()}/original.mp4` };
    const source = streamOf(randomBytes(6 * MiB));

    const failure = await store.upload(ref, source).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    expect(source.destroyed).toBe(true);
  });

  it("deletes exactly a session's objects and never a neighbour's", async () => {
    const gone = randomUUID();
    const kept = randomUUID();
    // A neighbour whose key starts with the same characters must survive: prefixes end at the "/".
    const lookalike = { bucket: config.s3.buckets.transcripts, key: `${gone}-copy/todos.json` };
    await store.upload(layout.original(gone, 'mp4'), streamOf(randomBytes(1000)));
    await store.putJson(layout.transcript(gone), { segments: [] });
    await store.putJson(layout.todos(gone), { todos: [] });
    await store.upload(layout.original(kept, 'mp4'), streamOf(randomBytes(1000)));
    await store.putJson(layout.todos(kept), { todos: [] });
    await store.putJson(lookalike, { todos: [] });

    let deleted = 0;
    for (const prefix of layout.prefixes(gone)) deleted += await store.deletePrefix(prefix);

    expect(deleted).toBe(3);
    const remaining = [...(await keysIn(config.s3.buckets.videos)), ...(await keysIn(config.s3.buckets.transcripts))];
    expect(remaining.filter((key) => key.startsWith(`${gone}/`))).toEqual([]);
    expect(remaining).toEqual(expect.arrayContaining([`${kept}/original.mp4`, `${kept}/todos.json`, lookalike.key]));
    expect(await store.deletePrefix(layout.prefixes(gone)[0]!)).toBe(0);
  });

  it('refuses to delete with an empty prefix, which would empty the bucket', async () => {
    const sessionId = randomUUID();
    await store.putJson(layout.todos(sessionId), { todos: [] });

    await expect(store.deletePrefix({ bucket: config.s3.buckets.transcripts, key: '' })).rejects.toThrow(/non-empty prefix/);

    expect(await store.exists(layout.todos(sessionId))).toBe(true);
  });

  it('a store that is down gives STORAGE_UNAVAILABLE from every operation', async () => {
    const down = testConfig({ S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}` });
    const offline = new S3ObjectStore(down.s3);
    const ref = storageLayout(down.s3.buckets).todos(randomUUID());
    try {
      const operations: Array<[string, () => Promise<unknown>]> = [
        ['ping', () => offline.ping()],
        ['ensureBuckets', () => offline.ensureBuckets()],
        ['upload', () => offline.upload(ref, streamOf(randomBytes(1000)))],
        ['putJson', () => offline.putJson(ref, {})],
        ['getJson', () => offline.getJson(ref)],
        ['exists', () => offline.exists(ref)],
        ['deletePrefix', () => offline.deletePrefix({ bucket: ref.bucket, key: 'x/' })],
      ];
      for (const [name, operation] of operations) {
        const failure = await operation().catch((err: unknown) => err);
        expect(failure, name).toBeInstanceOf(AppError);
        expect(failure, name).toMatchObject({
          code: 'STORAGE_UNAVAILABLE',
          userMessage: 'Storage is unavailable right now; we will retry.',
          retryable: true,
        });
      }
    } finally {
      offline.close();
    }
  });
});
