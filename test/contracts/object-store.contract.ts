import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageLayout, type Buckets, type ObjectRef, type StorageLayout } from '../../core/domain/storage-layout.js';
import { AppError } from '../../core/errors.js';
import { extractAudio, probeMedia } from '../../core/media/ffmpeg.js';
import type { ObjectStore } from '../../core/storage/object-store.js';
import { makeToneVideo, tempDir, type MediaDir } from '../helpers/media.js';

/**
 * What every ObjectStore must do, whichever engine is behind it: the suite runs against S3 (s3rver) and
 * the local directory alike, so the embedded store cannot drift from the real one.
 */

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** Streams `data` in small chunks, as a download or a file read delivers it. */
export function streamOf(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += CHUNK) yield data.subarray(at, at + CHUNK);
    })(),
  );
}

/** A source that delivers `bytes` of data and then fails with `error`, like a download cut off mid-way. */
export function failingStream(bytes: number, error: Error): Readable {
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < bytes; sent += CHUNK) yield randomBytes(CHUNK);
      throw error;
    })(),
  );
}

/** One engine's storage, fresh and empty: its buckets do not exist until a store creates them. */
export interface StorageUnderTest {
  buckets: Buckets;
  /** A new store over this storage, as another process would open it. */
  open(): ObjectStore;
  /** Every name stored in a bucket, read around the store (leftovers such as temporary files included). */
  namesIn(bucket: string): Promise<string[]>;
  /** An object's bytes, read around the store. */
  read(ref: ObjectRef): Promise<Buffer>;
  /** Closes every store opened and removes the storage. */
  close(): Promise<void>;
}

/** Registers the contract suite for one engine; `newStorage` is called once per storage a test needs. */
export function describeObjectStoreContract(engine: string, newStorage: () => Promise<StorageUnderTest>): void {
  describe(`ObjectStore contract (${engine})`, () => {
    let storage: StorageUnderTest;
    let store: ObjectStore;
    let layout: StorageLayout;
    let media: MediaDir;

    /** What a session left in a bucket, leftovers included. */
    const namesUnder = async (bucket: string, sessionId: string) =>
      (await storage.namesIn(bucket)).filter((name) => name.startsWith(`${sessionId}/`));

    beforeAll(async () => {
      [storage, media] = await Promise.all([newStorage(), tempDir('wn-contract-')]);
      store = storage.open();
      layout = storageLayout(storage.buckets);
      await store.ensureBuckets();
    });

    afterAll(async () => {
      await Promise.all([storage?.close(), media?.cleanup()]);
    });

    it('creates both buckets when missing, idempotently, even when two processes start together', async () => {
      const fresh = await newStorage();
      try {
        const [first, second] = [fresh.open(), fresh.open()];
        await expect(first.ping()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });

        await Promise.all([first.ensureBuckets(), second.ensureBuckets()]);
        await first.ensureBuckets();

        await expect(first.ping()).resolves.toBeUndefined();
        await first.putJson({ bucket: fresh.buckets.transcripts, key: 'probe.json' }, { ok: true });
        await expect(second.getJson({ bucket: fresh.buckets.transcripts, key: 'probe.json' })).resolves.toEqual({ ok: true });
      } finally {
        await fresh.close();
      }
    });

    it('streams a recording of several MB in and keeps it byte for byte, reporting progress as it goes', async () => {
      const data = randomBytes(12 * MiB + 12_345);
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
      expect((await storage.read(ref)).equals(data)).toBe(true);
    });

    it('stores JSON documents, replaces them whole, and answers null for one that does not exist', async () => {
      const sessionId = randomUUID();
      const todos = { session_id: sessionId, todos: [{ id: '1', task: 'Send the report', completed: false }] };

      await store.putJson(layout.todos(sessionId), { todos: [] });
      await store.putJson(layout.todos(sessionId), todos);

      expect(await store.getJson(layout.todos(sessionId))).toEqual(todos);
      expect(await store.getJson(layout.summary(sessionId))).toBeNull();
      expect(await namesUnder(storage.buckets.transcripts, sessionId)).toEqual([`${sessionId}/todos.json`]);
    });

    it('tells whether an object exists', async () => {
      const sessionId = randomUUID();
      await store.putJson(layout.transcript(sessionId), { segments: [] });

      expect(await store.exists(layout.transcript(sessionId))).toBe(true);
      expect(await store.exists(layout.todos(sessionId))).toBe(false);
    });

    it('a source that fails after a few MB rejects with its own error and leaves nothing behind', async () => {
      const sessionId = randomUUID();
      const ref = layout.original(sessionId, 'mp4');
      const cutOff = new Error('connection to the link was lost');

      // More than one S3 part: the upload has begun storing when the source fails.
      await expect(store.upload(ref, failingStream(7 * MiB, cutOff))).rejects.toBe(cutOff);

      expect(await store.exists(ref)).toBe(false);
      expect(await namesUnder(ref.bucket, sessionId)).toEqual([]);
    });

    it('an upload cancelled mid-way rejects with the reason, stops reading and leaves nothing behind', async () => {
      const sessionId = randomUUID();
      const ref = layout.original(sessionId, 'mp4');
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
        // Something is stored: cancel while more is still being read and written.
        onProgress: () => controller.abort(reason),
      });

      await expect(upload).rejects.toBe(reason);
      expect(produced).toBeLessThan(60 * MiB);
      expect(endless.destroyed).toBe(true);
      expect(await store.exists(ref)).toBe(false);
      expect(await namesUnder(ref.bucket, sessionId)).toEqual([]);
    });

    it('a cancel that arrives once the last byte is stored still leaves nothing behind', async () => {
      const sessionId = randomUUID();
      const ref = layout.original(sessionId, 'm4a');
      const controller = new AbortController();
      const reason = new Error('cancelled by the user');
      const size = 10_000;

      const upload = store.upload(ref, streamOf(randomBytes(size)), {
        signal: controller.signal,
        onProgress: (bytes) => bytes === size && controller.abort(reason),
      });

      await expect(upload).rejects.toBe(reason);
      expect(await store.exists(ref)).toBe(false);
      expect(await namesUnder(ref.bucket, sessionId)).toEqual([]);
    });

    it('an upload whose signal is already aborted reads nothing and stores nothing', async () => {
      const sessionId = randomUUID();
      const ref = layout.original(sessionId, 'mp4');
      const reason = new Error('cancelled before it started');
      const source = streamOf(randomBytes(1000));

      await expect(store.upload(ref, source, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);

      expect(source.destroyed).toBe(true);
      expect(await namesUnder(ref.bucket, sessionId)).toEqual([]);
    });

    it('a bucket that was never created gives STORAGE_UNAVAILABLE and leaves the source closed', async () => {
      const ref = { bucket: `missing-${randomBytes(4).toString('hex')}`, key: `${randomUUID()}/original.mp4` };
      const source = streamOf(randomBytes(6 * MiB));

      const failure = await store.upload(ref, source).catch((err: unknown) => err);

      expect(failure).toBeInstanceOf(AppError);
      expect(failure).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
      expect(source.destroyed).toBe(true);
      await expect(store.getJson(ref)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    });

    it("deletes exactly a session's objects, says how many, and never touches a neighbour's", async () => {
      const gone = randomUUID();
      const kept = randomUUID();
      // A neighbour whose key starts with the same characters must survive: prefixes end at the "/".
      const lookalike = { bucket: storage.buckets.transcripts, key: `${gone}-copy/todos.json` };
      await store.upload(layout.original(gone, 'mp4'), streamOf(randomBytes(1000)));
      await store.putJson(layout.transcript(gone), { segments: [] });
      await store.putJson(layout.todos(gone), { todos: [] });
      await store.upload(layout.original(kept, 'mp4'), streamOf(randomBytes(1000)));
      await store.putJson(layout.todos(kept), { todos: [] });
      await store.putJson(lookalike, { todos: [] });

      let deleted = 0;
      for (const prefix of layout.prefixes(gone)) deleted += await store.deletePrefix(prefix);

      expect(deleted).toBe(3);
      const remaining = [...(await storage.namesIn(storage.buckets.videos)), ...(await storage.namesIn(storage.buckets.transcripts))];
      expect(remaining.filter((name) => name.startsWith(`${gone}/`))).toEqual([]);
      expect(remaining).toEqual(expect.arrayContaining([`${kept}/original.mp4`, `${kept}/todos.json`, lookalike.key]));
      expect(await store.deletePrefix(layout.prefixes(gone)[0]!)).toBe(0);
    });

    it('refuses to delete with an empty prefix, which would empty the bucket', async () => {
      const sessionId = randomUUID();
      await store.putJson(layout.todos(sessionId), { todos: [] });

      await expect(store.deletePrefix({ bucket: storage.buckets.transcripts, key: '' })).rejects.toThrow(/non-empty prefix/);

      expect(await store.exists(layout.todos(sessionId))).toBe(true);
    });

    it("gives ffprobe and ffmpeg a link they read the recording through (the processors' path)", async () => {
      const video = await makeToneVideo(media.dir, 3);
      const ref = layout.original(randomUUID(), 'mp4');
      await store.upload(ref, createReadStream(video), { contentType: 'video/mp4' });
      const link = await store.presignGet(ref, 300);

      const probed = await probeMedia(link);
      expect(probed).toMatchObject({ hasAudio: true, hasVideo: true });
      expect(probed.durationSeconds).toBeCloseTo(3, 0);

      const audio = path.join(media.dir, `${randomUUID()}.flac`);
      const extracted = await extractAudio(link, audio);
      expect(extracted.durationSeconds).toBeCloseTo(3, 0);
      expect((await stat(audio)).size).toBeGreaterThan(0);
    });
  });
}
