import { randomBytes, randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { freePort } from '../../test/helpers/http.js';
import { startS3, type TestS3 } from '../../test/helpers/s3-server.js';
import { describeObjectStoreContract, streamOf } from '../../test/contracts/object-store.contract.js';
import { storageLayout, type StorageLayout } from '../domain/storage-layout.js';
import { AppError } from '../errors.js';
import { createS3Client, S3ObjectStore } from './s3.object-store.js';

const MiB = 1024 * 1024;
// S3's smallest part, so a few MB already make a multipart upload of several parts.
const PART_SIZE = 5 * MiB;

describe('S3ObjectStore', () => {
  let s3: TestS3;
  let store: S3ObjectStore;
  let layout: StorageLayout;

  beforeAll(async () => {
    s3 = await startS3();
    const config = testConfig({ S3_ENDPOINT: s3.endpoint });
    store = new S3ObjectStore(config.s3, { partSize: PART_SIZE });
    layout = storageLayout(config.s3.buckets);
    await store.ensureBuckets();
  });

  afterAll(async () => {
    store?.close();
    await s3?.close();
  });

  // Fresh storage on the one server: new bucket names, created by the stores under test.
  describeObjectStoreContract('S3, s3rver', async () => {
    const { s3: settings } = testConfig({ S3_ENDPOINT: s3.endpoint });
    const raw = createS3Client(settings);
    const opened: S3ObjectStore[] = [];
    return {
      buckets: settings.buckets,
      open() {
        const opening = new S3ObjectStore(settings, { partSize: PART_SIZE });
        opened.push(opening);
        return opening;
      },
      // s3rver lists up to 1000 keys, plenty here.
      async namesIn(bucket) {
        const page = await raw.send(new ListObjectsCommand({ Bucket: bucket }));
        return (page.Contents ?? []).map((o) => o.Key ?? '');
      },
      async read(ref) {
        const object = await raw.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
        return Buffer.from(await object.Body!.transformToByteArray());
      },
      async close() {
        for (const each of opened) each.close();
        raw.destroy();
      },
    };
  });

  // Streaming and progress are the contract's; here, what only S3 has: parts, and presigned links to them.
  it('serves a recording stored in several parts through a presigned link: its type, its bytes, a range across parts', async () => {
    const data = randomBytes(4 * PART_SIZE + 12_345);
    const ref = layout.original(randomUUID(), 'mp4');
    await store.upload(ref, streamOf(data), { contentType: 'video/mp4' });

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

  it('serves JSON documents with their type', async () => {
    const ref = layout.todos(randomUUID());
    await store.putJson(ref, { todos: [] });

    const served = await fetch(await store.presignGet(ref, 60));
    expect(served.headers.get('content-type')).toBe('application/json');
  });

  it('a store that is down gives STORAGE_UNAVAILABLE from every operation', async () => {
    const down = testConfig({ S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
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
          userMessage: expect.stringMatching(/^File storage is not responding.*try again later/) as unknown,
          retryable: true,
        });
      }
    } finally {
      offline.close();
    }
  });
});
