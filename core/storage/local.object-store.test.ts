import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { tempDir, type MediaDir } from '../../test/helpers/media.js';
import { describeObjectStoreContract, streamOf } from '../../test/contracts/object-store.contract.js';
import { storageLayout, type Buckets, type ObjectRef, type StorageLayout } from '../domain/storage-layout.js';
import { createObjectStore } from './index.js';
import { LocalObjectStore } from './local.object-store.js';
import { S3ObjectStore } from './s3.object-store.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const BUCKETS: Buckets = { videos: 'video-files', transcripts: 'transcripts' };

/** Every file under `dir`, relative, with `/` (temporary files included). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

// A space in the directory: links handed to ffmpeg must survive URL encoding.
const newDir = () => tempDir('wn local store ');

describeObjectStoreContract('local directory', async () => {
  const dir = await newDir();
  return {
    buckets: BUCKETS,
    open: () => new LocalObjectStore(dir.dir, BUCKETS),
    namesIn: (bucket) => filesUnder(path.join(dir.dir, bucket)),
    read: (ref) => readFile(path.join(dir.dir, ref.bucket, ref.key)),
    close: () => dir.cleanup(),
  };
});

describe('LocalObjectStore', () => {
  let dir: MediaDir;
  let store: LocalObjectStore;
  let layout: StorageLayout;

  beforeAll(async () => {
    dir = await newDir();
    store = new LocalObjectStore(dir.dir, BUCKETS);
    layout = storageLayout(BUCKETS);
    await store.ensureBuckets();
  });

  afterAll(async () => {
    await dir?.cleanup();
  });

  it('keeps objects as files named like the buckets, which a new instance on the same directory finds', async () => {
    const sessionId = randomUUID();
    const data = randomBytes(300_000);
    await store.upload(layout.original(sessionId, 'mp4'), streamOf(data));
    await store.putJson(layout.todos(sessionId), { todos: [{ id: '1' }] });

    expect(await readFile(path.join(dir.dir, 'video-files', sessionId, 'original.mp4'))).toEqual(data);
    expect(JSON.parse(await readFile(path.join(dir.dir, 'transcripts', sessionId, 'todos.json'), 'utf8'))).toEqual({ todos: [{ id: '1' }] });

    const restarted = new LocalObjectStore(dir.dir, BUCKETS);
    await restarted.ping();
    expect(await restarted.exists(layout.original(sessionId, 'mp4'))).toBe(true);
    expect(await restarted.getJson(layout.todos(sessionId))).toEqual({ todos: [{ id: '1' }] });
  });

  it('refuses every key or bucket that could leave its directory, before touching the disk', async () => {
    const outside = path.join(path.dirname(dir.dir), `escaped-${randomUUID()}`);
    const evilKeys = [
      `../../${path.basename(outside)}`,
      `${randomUUID()}/../../../${path.basename(outside)}`,
      outside,
      '..',
      '.',
      'a\\..\\..\\x',
      'a\0b',
      'a//b',
      '',
      `${randomUUID()}/.hidden`,
    ];
    const refs: ObjectRef[] = [
      ...evilKeys.map((key) => ({ bucket: BUCKETS.transcripts, key })),
      { bucket: '..', key: 'x.json' },
      { bucket: 'video-files/../..', key: 'x.json' },
      { bucket: '/tmp', key: 'x.json' },
    ];
    for (const ref of refs) {
      const label = JSON.stringify(ref);
      const source = streamOf(randomBytes(100));
      await expect(store.upload(ref, source), label).rejects.toThrow(/not a valid|escapes/);
      expect(source.destroyed, label).toBe(true);
      await expect(store.putJson(ref, {}), label).rejects.toThrow(/not a valid|escapes/);
      await expect(store.getJson(ref), label).rejects.toThrow(/not a valid|escapes/);
      await expect(store.exists(ref), label).rejects.toThrow(/not a valid|escapes/);
      await expect(store.presignGet(ref, 60), label).rejects.toThrow(/not a valid|escapes/);
      expect(() => store.pathOf(ref), label).toThrow(/not a valid|escapes/);
    }
    for (const key of ['../', '../../', `x/../../`, '/', '.']) {
      await expect(store.deletePrefix({ bucket: BUCKETS.videos, key }), key).rejects.toThrow(/not a valid/);
    }
    await expect(stat(outside)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('hands out the object itself: an absolute path, and a file:// URL of it', async () => {
    const ref = layout.original(randomUUID(), 'mp4');
    const file = store.pathOf(ref);

    expect(file).toBe(path.join(dir.dir, 'video-files', ref.key));
    expect(path.isAbsolute(file)).toBe(true);
    const link = await store.presignGet(ref, 60);
    expect(link).toMatch(/^file:\/\//);
    expect(fileURLToPath(link)).toBe(file);
  });

  it('a write the disk refuses gives STORAGE_UNAVAILABLE and leaves no temporary file', async () => {
    const sessionId = randomUUID();
    // A directory already holds the object's name, so the final rename cannot happen.
    await store.putJson({ bucket: BUCKETS.transcripts, key: `${sessionId}/todos.json/inner.json` }, {});
    const ref = layout.todos(sessionId);

    await expect(store.putJson(ref, { todos: [] })).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    await expect(store.upload(ref, streamOf(randomBytes(200_000)))).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });

    expect(await filesUnder(path.join(dir.dir, BUCKETS.transcripts, sessionId))).toEqual(['todos.json/inner.json']);
  });

  it("removes a deleted session's directories, and the leftovers of an upload that crashed", async () => {
    const sessionId = randomUUID();
    await store.putJson(layout.transcript(sessionId), { segments: [] });
    const leftover = path.join(dir.dir, BUCKETS.transcripts, sessionId, '.todos.json.crashed.tmp');
    await writeFile(leftover, 'half a document');

    expect(await store.deletePrefix({ bucket: BUCKETS.transcripts, key: `${sessionId}/` })).toBe(1);

    await expect(stat(path.join(dir.dir, BUCKETS.transcripts, sessionId))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(path.join(dir.dir, BUCKETS.transcripts))).isDirectory()).toBe(true);
  });

  it('reads the source only as fast as it writes, so memory does not grow with the recording', async () => {
    const total = 48 * MiB;
    let produced = 0;
    let furthestAhead = 0;
    const source = Readable.from(
      (function* () {
        for (; produced < total; ) {
          produced += CHUNK;
          yield randomBytes(CHUNK);
        }
      })(),
    );

    await store.upload(layout.original(randomUUID(), 'mp4'), source, {
      onProgress: (written) => (furthestAhead = Math.max(furthestAhead, produced - written)),
    });

    // Readable.from buffers up to 16 chunks ahead; the store itself adds none.
    expect(furthestAhead).toBeLessThanOrEqual(17 * CHUNK);
  });
});

describe('createObjectStore', () => {
  it('uses the directory under DATA_DIR unless S3_ENDPOINT is set', () => {
    const local = createObjectStore(testConfig({ DATA_DIR: '/srv/whisper' }));
    expect(local).toBeInstanceOf(LocalObjectStore);
    expect((local as LocalObjectStore).root).toBe('/srv/whisper/objects');

    const s3 = createObjectStore(testConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' }));
    expect(s3).toBeInstanceOf(S3ObjectStore);
    (s3 as S3ObjectStore).close();
  });
});
