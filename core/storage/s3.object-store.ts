import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config.js';
import type { ObjectRef } from '../domain/storage-layout.js';
import type { ObjectStore, UploadOptions } from './object-store.js';
import { storageUnavailable } from './storage-unavailable.js';
import { UploadSource } from './upload-source.js';

const MiB = 1024 * 1024;

export interface S3ObjectStoreOptions {
  /** Bytes per multipart part (S3's minimum is 5 MiB). Default 5 MiB. */
  partSize?: number;
  /** Parts uploaded at once; memory stays under partSize × queueSize. Default 2. */
  queueSize?: number;
}

/**
 * Tries per request, the first included. Transient failures (5xx, SlowDown, resets, timeouts) are retried
 * by the SDK's standard strategy with jittered exponential backoff (longer after throttling) and a retry
 * budget that runs dry during a long outage. Set here, not left to AWS_MAX_ATTEMPTS or ~/.aws/config:
 * configuration comes from core/config.ts only.
 */
const MAX_ATTEMPTS = 3;
const CONNECT_TIMEOUT_MS = 5_000;

/** The one S3 client setup, shared by everything that talks to MinIO (or s3rver in tests). */
export function createS3Client(s3: Config['s3']): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // Checksums only where the API demands them: s3rver cannot read the SDK's aws-chunked bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    retryMode: 'standard',
    maxAttempts: MAX_ATTEMPTS,
    // A store that stops answering must fail the request (and /readyz), not hold a job or an upload. An idle
    // limit, not a total one: a slow link still pushes a large part.
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: s3.idleTimeoutMs },
  });
}

function isS3Error(err: unknown, ...names: string[]): boolean {
  return err instanceof S3ServiceException && names.includes(err.name);
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(
    private readonly s3: Config['s3'],
    options: S3ObjectStoreOptions = {},
  ) {
    this.client = createS3Client(s3);
    // Measured with `npm run bench` (README): 5 MiB × 2 streams as fast as 8 MiB × 4 here and keeps
    // a 1 GB ingest under 200 MB peak RSS; the larger setting did not.
    this.partSize = options.partSize ?? 5 * MiB;
    this.queueSize = options.queueSize ?? 2;
  }

  async ensureBuckets(): Promise<void> {
    await Promise.all([this.ensureBucket(this.s3.buckets.videos), this.ensureBucket(this.s3.buckets.transcripts)]);
  }

  async upload(ref: ObjectRef, body: Readable, options: UploadOptions = {}): Promise<{ bytes: number }> {
    const { signal, onProgress } = options;
    // Cancelling ends the source: Upload then finishes the parts in flight and stops, so nothing is
    // still writing when we clean up (its own abort() returns while parts are still being sent).
    const source = UploadSource.open(body, signal);

    const upload = new Upload({
      client: this.client,
      params: { Bucket: ref.bucket, Key: ref.key, Body: Readable.from(source.chunks()), ContentType: options.contentType },
      partSize: this.partSize,
      queueSize: this.queueSize,
      // We abort it ourselves: Upload's own abort, refused by s3rver, would hide the store's real error.
      leavePartsOnError: true,
    });
    if (onProgress) {
      upload.on('httpUploadProgress', ({ loaded }) => {
        if (loaded !== undefined) onProgress(loaded);
      });
    }

    try {
      await upload.done();
      // An abort that came after the last byte was read still cancels: the object goes.
      signal?.throwIfAborted();
      return { bytes: source.bytes };
    } catch (err) {
      const failure = source.failure(err);
      await this.discard(ref, upload.uploadId);
      throw failure;
    } finally {
      source.close();
    }
  }

  async putJson(ref: ObjectRef, value: unknown): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: ref.bucket, Key: ref.key, Body: JSON.stringify(value), ContentType: 'application/json' }),
      );
    } catch (err) {
      throw storageUnavailable(err);
    }
  }

  async getJson(ref: ObjectRef): Promise<unknown> {
    let text: string;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      text = (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (err) {
      if (isS3Error(err, 'NoSuchKey')) return null;
      throw storageUnavailable(err);
    }
    return JSON.parse(text) as unknown;
  }

  async exists(ref: ObjectRef): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      return true;
    } catch (err) {
      if (isS3Error(err, 'NotFound', 'NoSuchKey')) return false;
      throw storageUnavailable(err);
    }
  }

  presignGet(ref: ObjectRef, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), {
      expiresIn: expiresInSeconds,
    });
  }

  async deletePrefix(prefix: ObjectRef): Promise<number> {
    // An empty prefix would empty the whole bucket.
    if (prefix.key === '') throw new Error('deletePrefix needs a non-empty prefix');
    let deleted = 0;
    let marker: string | undefined;
    try {
      // ListObjects (v1) with a marker, not v2: s3rver cannot make v2 continuation tokens (it ciphers them
      // with DES, which Node's OpenSSL 3 lacks); MinIO and S3 serve both.
      do {
        const page = await this.client.send(
          new ListObjectsCommand({ Bucket: prefix.bucket, Prefix: prefix.key, Marker: marker }),
        );
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
        if (keys.length === 0) break;
        const result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: prefix.bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        const failed = result.Errors ?? [];
        if (failed.length > 0) {
          throw new Error(`could not delete ${failed.length} object(s) under ${prefix.bucket}/${prefix.key}: ${failed[0]?.Code}`);
        }
        deleted += keys.length;
        marker = page.IsTruncated ? keys.at(-1) : undefined;
      } while (marker !== undefined);
    } catch (err) {
      throw storageUnavailable(err);
    }
    return deleted;
  }

  async ping(): Promise<void> {
    try {
      await Promise.all(
        [this.s3.buckets.videos, this.s3.buckets.transcripts].map((Bucket) => this.client.send(new HeadBucketCommand({ Bucket }))),
      );
    } catch (err) {
      throw storageUnavailable(err);
    }
  }

  /** Releases the client's pooled connections (graceful shutdown). */
  close(): void {
    this.client.destroy();
  }

  private async ensureBucket(bucket: string): Promise<void> {
    if (await this.bucketExists(bucket)) return;
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (err) {
      // Another process starting beside us may have created it in between (MinIO answers
      // BucketAlreadyOwnedByYou, s3rver BucketAlreadyExists): fine when we can reach it now.
      if (isS3Error(err, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists') && (await this.bucketExists(bucket))) return;
      throw storageUnavailable(err);
    }
  }

  private async bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (err) {
      if (isS3Error(err, 'NotFound', 'NoSuchBucket')) return false;
      throw storageUnavailable(err);
    }
  }

  /**
   * Leaves no trace of a failed upload. Best effort, since the caller must get the original error:
   * s3rver refuses AbortMultipartUpload (an uncompleted upload leaves no object there anyway) and a store
   * that is down refuses everything. The delete covers an object completed just before the failure.
   */
  private async discard(ref: ObjectRef, uploadId: string | undefined): Promise<void> {
    const ignore = () => undefined;
    if (uploadId !== undefined) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId: uploadId }))
        .catch(ignore);
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key })).catch(ignore);
  }
}
