import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { acquireLock, DEFAULT_LOCK_STALE_MS, isLockHeld } from './download-lock.js';
import { progressReporter, type DownloadProgress } from './download-progress.js';
import { downloadPart, type DownloadedPart } from './part-download.js';
import type { ChecksumAlgorithm } from './part-file.js';

export type { DownloadProgress } from './download-progress.js';

/**
 * Models for the local engines (the speech model, the LLM) live in the models directory, each downloaded
 * once, on first need: into `<file>.part`, resumed across dropped connections and restarts, one process at
 * a time, and renamed to its name only once its checksum matches. A file placed there by hand is used as
 * it is.
 */

export interface ModelSource {
  /** What the user knows it by, for messages: e.g. "the speech model". */
  label: string;
  /** File name inside the models directory, e.g. "ggml-base.bin". */
  file: string;
  url: string;
  /** Expected size in bytes, when known. */
  bytes?: number;
  /** Checksum to verify before the file is kept (sha256 preferred); hex. */
  sha256?: string;
  sha1?: string;
}

export interface EnsureModelOptions {
  log: Logger;
  onProgress?: (progress: DownloadProgress) => void;
  /** Aborting keeps the `.part` for the next call to resume. */
  signal?: AbortSignal;
  /** No bytes for this long counts as a dropped connection (default 60 s; undici keeps it to within a second). */
  idleTimeoutMs?: number;
  /** A lock untouched for this long was abandoned by its process (default 30 s). */
  lockStaleMs?: number;
}

/** A model that could not be fetched: from where, why, and how to place it by hand. */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
  readonly file: string;
  /** Without credentials, query or fragment: safe to show and log. */
  readonly url: string;
  /** Where the file belongs, absolute. */
  readonly path: string;
  /** Why, in plain words: "HTTP 404 Not Found", "connection refused", "checksum mismatch: ...". */
  readonly reason: string;

  constructor(source: ModelSource, target: string, reason: string, options?: { cause?: unknown }) {
    const url = displayUrl(source.url);
    super(
      `Could not download ${source.label} ${source.file} from ${url}: ${reason}. ` +
        `Download ${url} on a machine with internet access and copy it to ${target}`,
      options,
    );
    this.file = source.file;
    this.url = url;
    this.path = target;
    this.reason = reason;
  }
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** The absolute path of the whole, verified file; downloads it first if it is not there. */
export async function ensureModel(dir: string, source: ModelSource, options: EnsureModelOptions): Promise<string> {
  const target = modelPath(dir, source);
  if (await isPresent(target, source, options.log)) return target;
  await mkdir(path.dirname(target), { recursive: true });
  const lock = await acquireLock(`${target}.lock`, {
    staleMs: options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS,
    log: options.log,
    signal: options.signal,
  });
  try {
    // The process this one waited for may have finished it.
    if (await isPresent(target, source, options.log)) return target;
    await download(target, source, options, lock.lost);
    return target;
  } finally {
    await lock.release();
  }
}

/** 'downloading' while a live process (this one included) holds the download's lock. */
export async function modelState(dir: string, source: ModelSource): Promise<'present' | 'downloading' | 'missing'> {
  const target = modelPath(dir, source);
  if ((await sizeOf(target)) !== null) return 'present';
  return (await isLockHeld(`${target}.lock`)) ? 'downloading' : 'missing';
}

async function download(target: string, source: ModelSource, options: EnsureModelOptions, lockLost: AbortSignal): Promise<void> {
  const name = `${source.label} ${source.file}`;
  const partPath = `${target}.part`;
  const signal = options.signal ? AbortSignal.any([options.signal, lockLost]) : lockLost;
  const expected = expectedChecksum(source);
  const progress = progressReporter({ name, file: source.file }, options.log, options.onProgress);
  const fetchPart = () =>
    downloadPart({
      url: source.url,
      partPath,
      algorithm: expected?.algorithm ?? 'sha256',
      name,
      knownBytes: source.bytes,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      signal,
      onBytes: (received, total) => progress.update(received, total),
      log: options.log,
    });

  options.log.info(`downloading ${name} from ${displayUrl(source.url)} to ${target}`);
  try {
    let part = await fetchPart();
    let wrong = mismatch(part, source);
    if (wrong && part.keepsEarlierRun) {
      // What an earlier run left may be another version of the file, or a tail lost in a crash.
      options.log.warn(`${name}: ${wrong}; downloading it again from the start`);
      await rm(partPath, { force: true });
      part = await fetchPart();
      wrong = mismatch(part, source);
    }
    signal.throwIfAborted(); // the part is no longer this process's to judge
    if (wrong) {
      await rm(partPath, { force: true });
      throw new ModelUnavailableError(source, target, `${wrong}; the download was deleted`);
    }
    await rename(partPath, target);
    progress.finish(part.bytes);
    options.log.info(`${name} is ready at ${target}`);
  } catch (err) {
    options.signal?.throwIfAborted();
    if (err instanceof ModelUnavailableError) throw err;
    throw new ModelUnavailableError(source, target, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function expectedChecksum(source: ModelSource): { algorithm: ChecksumAlgorithm; hex: string } | null {
  if (source.sha256) return { algorithm: 'sha256', hex: source.sha256.toLowerCase() };
  if (source.sha1) return { algorithm: 'sha1', hex: source.sha1.toLowerCase() };
  return null;
}

/** What is wrong with the downloaded file, in words; null when it is what the source describes. */
function mismatch(part: DownloadedPart, source: ModelSource): string | null {
  const suspect = '(a corrupt mirror or a tampered file)';
  if (source.bytes !== undefined && part.bytes !== source.bytes) {
    return `size mismatch: got ${part.bytes} bytes, expected ${source.bytes} ${suspect}`;
  }
  const expected = expectedChecksum(source);
  if (expected && part.digest !== expected.hex) {
    return `checksum mismatch: its ${expected.algorithm} is ${part.digest}, expected ${expected.hex} ${suspect}`;
  }
  return null;
}

/**
 * Present files are trusted without hashing them (gigabytes take a while): a size that differs from the
 * expected one is only warned about, since the user may have placed another build of the model on purpose.
 */
async function isPresent(target: string, source: ModelSource, log: Logger): Promise<boolean> {
  const size = await sizeOf(target);
  if (size === null) return false;
  if (source.bytes !== undefined && size !== source.bytes) {
    log.warn({ path: target, size, expected: source.bytes }, `${source.label} ${source.file} is not the expected size; using it as it is`);
  }
  return true;
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return null;
  }
}

/** A name from configuration must not reach outside the models directory. */
function modelPath(dir: string, source: ModelSource): string {
  if (path.basename(source.file) !== source.file || source.file.startsWith('.')) {
    throw new Error(`model file name ${JSON.stringify(source.file)} must be a plain file name`);
  }
  return path.resolve(dir, source.file);
}

/** The URL without credentials, query or fragment: what may show in a message or a log. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}
