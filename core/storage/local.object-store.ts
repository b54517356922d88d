import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Buckets, ObjectRef } from '../domain/storage-layout.js';
import type { ObjectStore, UploadOptions } from './object-store.js';
import { storageUnavailable } from './storage-unavailable.js';
import { UploadSource } from './upload-source.js';

/**
 * The embedded object store: `<root>/<bucket>/<key>`, the buckets' layout on disk. Objects appear whole or
 * not at all: each is written to a temporary file beside it, flushed to disk and renamed over its name.
 * Temporary files start with a dot, so keys may not have a segment that does (which also rules out `.`
 * and `..`): the two never collide and a listing tells them apart.
 */
export class LocalObjectStore implements ObjectStore {
  /** Absolute directory holding one directory per bucket. */
  readonly root: string;

  constructor(
    root: string,
    private readonly buckets: Buckets,
  ) {
    this.root = path.resolve(root);
  }

  async ensureBuckets(): Promise<void> {
    try {
      await Promise.all(this.bucketNames().map((bucket) => mkdir(this.bucketDir(bucket), { recursive: true })));
    } catch (err) {
      throw storageUnavailable(err);
    }
  }

  async upload(ref: ObjectRef, body: Readable, options: UploadOptions = {}): Promise<{ bytes: number }> {
    const { signal, onProgress } = options;
    let target: string;
    try {
      target = this.pathOf(ref);
    } catch (err) {
      body.destroy();
      throw err;
    }
    const source = UploadSource.open(body, signal);
    let pending: PendingFile | undefined;
    let committed = false;
    try {
      pending = await this.pendingFile(ref, target);
      // One chunk at a time: the source is read only as fast as the disk takes it, so memory stays bounded.
      for await (const data of source.chunks()) {
        await pending.write(data);
        onProgress?.(source.bytes);
      }
      await pending.commit();
      committed = true;
      // An abort that came after the last byte was written still cancels: the object goes.
      signal?.throwIfAborted();
      return { bytes: source.bytes };
    } catch (err) {
      const failure = source.failure(err);
      await pending?.discard();
      if (committed) await rm(target, { force: true }).catch(() => undefined);
      throw failure;
    } finally {
      source.close();
    }
  }

  async putJson(ref: ObjectRef, value: unknown): Promise<void> {
    const target = this.pathOf(ref);
    const text = JSON.stringify(value);
    let pending: PendingFile | undefined;
    try {
      pending = await this.pendingFile(ref, target);
      await pending.write(Buffer.from(text));
      await pending.commit();
    } catch (err) {
      await pending?.discard();
      throw storageUnavailable(err);
    }
  }

  async getJson(ref: ObjectRef): Promise<unknown> {
    const file = this.pathOf(ref);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (await this.isMissingObject(ref, err)) return null;
      throw storageUnavailable(err);
    }
    return JSON.parse(text) as unknown;
  }

  async exists(ref: ObjectRef): Promise<boolean> {
    const file = this.pathOf(ref);
    try {
      return (await stat(file)).isFile();
    } catch (err) {
      if (await this.isMissingObject(ref, err)) return false;
      throw storageUnavailable(err);
    }
  }

  /**
   * A `file://` URL of the object, for ffprobe and ffmpeg run by the processes of this machine (nothing
   * else can open it). Nothing expires it: the file's permissions are its only guard.
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- async turns a bad key's throw into the rejection callers expect
  async presignGet(ref: ObjectRef, _expiresInSeconds: number): Promise<string> {
    return pathToFileURL(this.pathOf(ref)).href;
  }

  async deletePrefix(prefix: ObjectRef): Promise<number> {
    // An empty prefix would empty the whole bucket.
    if (prefix.key === '') throw new Error('deletePrefix needs a non-empty prefix');
    const bucketDir = this.bucketDir(prefix.bucket);
    // Like S3, a prefix is a string prefix of keys ("abc" also matches "abc-copy/…"): list from the
    // deepest whole directory it names, then compare keys.
    const slash = prefix.key.lastIndexOf('/');
    const dirKey = prefix.key.slice(0, slash + 1);
    checkKey(prefix.key, 'prefix');
    try {
      await this.requireBucket(prefix.bucket);
      const files = (await listFiles(path.join(bucketDir, dirKey), dirKey)).filter((key) => key.startsWith(prefix.key));
      // Temporary files of uploads under the prefix go too (a crashed writer's leftovers), uncounted.
      await Promise.all(files.map((key) => rm(path.join(bucketDir, key), { force: true })));
      await removeEmptyDirs(bucketDir, files);
      return files.filter((key) => !isTemporary(key)).length;
    } catch (err) {
      throw storageUnavailable(err);
    }
  }

  async removeAbandonedWrites(olderThan: Date, inUse: (ref: ObjectRef) => boolean): Promise<number> {
    let removed = 0;
    try {
      for (const bucket of this.bucketNames()) {
        const bucketDir = this.bucketDir(bucket);
        const temporaries = (await listFiles(bucketDir, '')).filter((key) => isTemporary(key) && !inUse({ bucket, key }));
        const abandoned: string[] = [];
        for (const key of temporaries) {
          // A write in progress touches its file as it goes: only one idle since `olderThan` is abandoned.
          const modified = await stat(path.join(bucketDir, key)).then((s) => s.mtime, () => null);
          if (modified && modified < olderThan) abandoned.push(key);
        }
        await Promise.all(abandoned.map((key) => rm(path.join(bucketDir, key), { force: true })));
        await removeEmptyDirs(bucketDir, abandoned);
        removed += abandoned.length;
      }
      return removed;
    } catch (err) {
      throw storageUnavailable(err);
    }
  }

  async ping(): Promise<void> {
    try {
      await Promise.all(this.bucketNames().map((bucket) => this.requireBucket(bucket)));
    } catch (err) {
      throw storageUnavailable(err);
    }
  }

  /** The object's absolute file name, for serving it (the status page's media); throws for an unsafe ref. */
  pathOf(ref: ObjectRef): string {
    checkKey(ref.key, 'key');
    const file = path.join(this.bucketDir(ref.bucket), ...ref.key.split('/'));
    // Belt and braces: whatever the checks above missed must still land inside the root.
    const relative = path.relative(this.root, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`object key escapes the store: ${JSON.stringify(ref.key)}`);
    return file;
  }

  private bucketNames(): string[] {
    return [this.buckets.videos, this.buckets.transcripts];
  }

  private bucketDir(bucket: string): string {
    // S3's own naming rule, so that a name valid here is valid on MinIO too (and is one plain directory).
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
      throw new Error(`not a valid bucket name: ${JSON.stringify(bucket)}`);
    }
    return path.join(this.root, bucket);
  }

  /** Like S3, writing into a bucket that was never created fails rather than creating it. */
  private async requireBucket(bucket: string): Promise<void> {
    const dir = this.bucketDir(bucket);
    if (!(await stat(dir)).isDirectory()) throw new Error(`bucket ${bucket} is not a directory`);
    await access(dir, constants.R_OK | constants.W_OK);
  }

  private async pendingFile(ref: ObjectRef, target: string): Promise<PendingFile> {
    await this.requireBucket(ref.bucket);
    return PendingFile.create(target);
  }

  /** Whether a failed read means "no such object" (S3's NoSuchKey) rather than a store that is broken. */
  private async isMissingObject(ref: ObjectRef, err: unknown): Promise<boolean> {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') return false;
    // A missing bucket is a broken store, as on S3 (NoSuchBucket).
    return this.requireBucket(ref.bucket).then(
      () => true,
      () => false,
    );
  }
}

/**
 * Rejects keys that could leave their bucket or that the file system would not keep as written. A prefix
 * may end with `/` (everything in that directory).
 */
function checkKey(key: string, what: 'key' | 'prefix'): void {
  const segments = key.split('/');
  if (what === 'prefix' && segments.length > 1 && segments.at(-1) === '') segments.pop();
  const unsafe =
    key === '' ||
    key.includes('\0') ||
    key.includes('\\') ||
    segments.some((segment) => segment === '' || segment.startsWith('.'));
  if (unsafe) throw new Error(`not a valid object ${what}: ${JSON.stringify(key)}`);
}

const isTemporary = (key: string) => key.split('/').at(-1)!.startsWith('.');

/** A file written beside its destination, and renamed over it once complete and on disk. */
class PendingFile {
  private constructor(
    private readonly target: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(target: string): Promise<PendingFile> {
    const dir = path.dirname(target);
    const temp = path.join(dir, `.${path.basename(target)}.${randomUUID()}.tmp`);
    // A deletion emptying this directory at the same moment may remove it between the two calls.
    for (let attempt = 1; ; attempt++) {
      await mkdir(dir, { recursive: true });
      try {
        return new PendingFile(target, temp, await open(temp, 'wx'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw err;
      }
    }
  }

  async write(data: Buffer): Promise<void> {
    await this.handle.write(data);
  }

  /** Flushes, renames over the destination, and flushes the directory so the rename survives a crash. */
  async commit(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await rename(this.temp, this.target);
    const dir = await open(path.dirname(this.target), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temp, { force: true }).catch(() => undefined);
  }
}

/** Every file under `dir` as a key (`keyPrefix` + relative path with `/`); none when `dir` is missing. */
async function listFiles(dir: string, keyPrefix: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const key = `${keyPrefix}${entry.name}`;
      if (entry.isDirectory()) return listFiles(path.join(dir, entry.name), `${key}/`);
      return entry.isFile() ? [key] : [];
    }),
  );
  return nested.flat();
}

/** Removes the directories the deleted keys lived in, deepest first, where nothing else is left in them. */
async function removeEmptyDirs(bucketDir: string, deletedKeys: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const key of deletedKeys) {
    const segments = key.split('/').slice(0, -1);
    for (let depth = segments.length; depth > 0; depth--) dirs.add(segments.slice(0, depth).join('/'));
  }
  const deepestFirst = [...dirs].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const dir of deepestFirst) {
    await rmdir(path.join(bucketDir, dir)).catch((err: NodeJS.ErrnoException) => {
      // Still holding other objects, or an upload started in it meanwhile: it stays.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST' && err.code !== 'ENOENT') throw err;
    });
  }
}
