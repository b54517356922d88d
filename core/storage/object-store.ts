import type { Readable } from 'node:stream';
import type { ObjectRef } from '../domain/storage-layout.js';

export interface UploadOptions {
  contentType?: string;
  /** Called as bytes are accepted by the store. */
  onProgress?: (bytesUploaded: number) => void;
  /** Aborting cancels the upload; nothing is left behind. */
  signal?: AbortSignal;
}

/**
 * Object storage: S3 (MinIO), or a directory under DATA_DIR (see index.ts), which pass the same contract
 * suite (test/contracts/object-store.contract.ts). Files are kept until a user deletes them.
 */
export interface ObjectStore {
  /** Creates the configured buckets when they are missing. */
  ensureBuckets(): Promise<void>;
  /**
   * Streams `body` into `ref` with bounded memory (S3: part size × parts in flight).
   * On any failure (including the body stream erroring or the signal aborting) the upload is aborted,
   * no object is left, and the error is rethrown.
   */
  upload(ref: ObjectRef, body: Readable, options?: UploadOptions): Promise<{ bytes: number }>;
  putJson(ref: ObjectRef, value: unknown): Promise<void>;
  /** Parsed JSON, or null when the object does not exist. */
  getJson(ref: ObjectRef): Promise<unknown>;
  exists(ref: ObjectRef): Promise<boolean>;
  /**
   * A GET URL for ffmpeg and ffprobe (never log it): time-limited on S3; a `file://` URL on the local store,
   * which only this machine's processes can open.
   */
  presignGet(ref: ObjectRef, expiresInSeconds: number): Promise<string>;
  /** Deletes every object under the prefix; returns how many were deleted. */
  deletePrefix(prefix: ObjectRef): Promise<number>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
  /**
   * Removes what writes that never finished left behind (a crashed writer's temporary files), last written
   * before `olderThan`, except under a prefix that `inUse` keeps; returns how many went. Only a store that
   * leaves such files has it (S3 drops an unfinished upload itself).
   */
  removeAbandonedWrites?(olderThan: Date, inUse: (ref: ObjectRef) => boolean): Promise<number>;
}
