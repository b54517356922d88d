import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { formatBytes } from '../ingest/byte-limit.js';
import type { Logger } from '../logger.js';
import { PartFile, type ChecksumAlgorithm } from './part-file.js';

/**
 * Downloads a URL into its `.part` file, continuing what is already there with a Range request. A connection
 * that drops or goes quiet is resumed after a short pause, a few times in a row before the download fails.
 */

export interface PartDownload {
  url: string;
  partPath: string;
  algorithm: ChecksumAlgorithm;
  /** For messages: e.g. "the speech model ggml-base.bin". */
  name: string;
  /** Size of the whole file when known beforehand: the total until the server says. */
  knownBytes?: number;
  /** No bytes for this long counts as a dropped connection. */
  idleTimeoutMs: number;
  signal: AbortSignal;
  onBytes(receivedBytes: number, totalBytes: number | null): void;
  log: Logger;
}

export interface DownloadedPart {
  bytes: number;
  /** Hex checksum of the whole part. */
  digest: string;
  /** Whether bytes an earlier run wrote are part of it. */
  keepsEarlierRun: boolean;
}

/** Why a download failed, in words for the user (HTTP 404, connection refused, ...); the detail in `cause`. */
export class DownloadFailure extends Error {
  override name = 'DownloadFailure';
  constructor(
    reason: string,
    /** Worth resuming after a pause. */
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

const USER_AGENT = 'whisper-notes (model download)';
const MAX_REDIRECTS = 5;
/** Failed tries in a row, none getting a byte further, that are retried (0.2 s, 0.4 s, 0.8 s later). */
const RETRIES = 3;
const FIRST_PAUSE_MS = 200;

/** Resolves once the part holds the whole file; rejects with a DownloadFailure, or the signal's reason. */
export async function downloadPart(job: PartDownload): Promise<DownloadedPart> {
  const agent = new Agent({ connectTimeout: job.idleTimeoutMs, headersTimeout: job.idleTimeoutMs, bodyTimeout: job.idleTimeoutMs });
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS }));
  const part = await PartFile.open(job.partPath, job.algorithm);
  let failures = 0;
  try {
    for (;;) {
      const sizeBefore = part.size;
      try {
        if ((await attempt(job, dispatcher, part)) === 'complete') {
          return { bytes: part.size, digest: await part.digest(), keepsEarlierRun: part.keepsEarlierRun };
        }
      } catch (err) {
        job.signal.throwIfAborted();
        const failure = asFailure(err, job.idleTimeoutMs);
        failures = part.size > sizeBefore ? 1 : failures + 1;
        if (!failure.transient || failures > RETRIES) throw failure;
        const pauseMs = FIRST_PAUSE_MS * 2 ** (failures - 1);
        job.log.warn(`downloading ${job.name}: ${failure.message}; resuming at ${formatBytes(part.size)} in ${pauseMs} ms`);
        // The pause rejects only when the signal aborts.
        await sleep(pauseMs, undefined, { signal: job.signal }).catch(() => job.signal.throwIfAborted());
      }
    }
  } finally {
    await agent.destroy();
  }
}

/** One request: 'complete' once the part holds the whole file, 'again' when it had to start over. */
async function attempt(job: PartDownload, dispatcher: Dispatcher, part: PartFile): Promise<'complete' | 'again'> {
  const offset = part.size;
  const { statusCode, headers, body } = await request(job.url, {
    dispatcher,
    signal: job.signal,
    headers: { 'user-agent': USER_AGENT, ...(offset > 0 && { range: `bytes=${offset}-` }) },
  });
  const length = numberOrNull(headers['content-length']);
  const range = parseContentRange(headers['content-range']);

  if (statusCode === 200) {
    if (offset > 0) job.log.info(`downloading ${job.name}: the server does not resume downloads; starting over`);
    await part.restart();
    return receive(job, part, body, length ?? job.knownBytes ?? null);
  }
  if (statusCode === 206) {
    if (range?.start !== offset) {
      await body.dump();
      job.log.warn(`downloading ${job.name}: the server resumed at the wrong place; starting over`);
      await part.restart();
      return 'again';
    }
    return receive(job, part, body, range.total ?? (length !== null ? offset + length : (job.knownBytes ?? null)));
  }
  await body.dump();
  if (statusCode === 416 && offset > 0) {
    // Nothing lies past the part: it is whole already (a run that stopped before verifying it), or too long.
    const whole = range?.total ?? null;
    if (whole === null || whole === offset) return 'complete';
    await part.restart();
    return 'again';
  }
  throw new DownloadFailure(statusReason(statusCode), statusCode >= 500 || statusCode === 429);
}

async function receive(job: PartDownload, part: PartFile, body: AsyncIterable<Buffer>, total: number | null): Promise<'complete'> {
  job.onBytes(part.size, total);
  await part.append(body, (size) => job.onBytes(size, total));
  if (total !== null && part.size < total) throw new DownloadFailure('the connection closed before the end of the file', true);
  return 'complete';
}

/** `bytes 100-199/1000`, or `bytes *\/1000` on a 416: where the body starts, and the whole file's size. */
function parseContentRange(value: string | string[] | undefined): { start: number | null; total: number | null } | null {
  const match = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(String(value ?? '').trim());
  if (!match) return null;
  return { start: numberOrNull(match[1]), total: numberOrNull(match[2]) };
}

function numberOrNull(value: string | string[] | undefined): number | null {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

function statusReason(status: number): string {
  if (status >= 300 && status < 400) return `redirected more than ${MAX_REDIRECTS} times`;
  return `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim();
}

const quiet = (idleMs: number) => `timeout: nothing arrived for ${idleMs / 1000} s`;
const noDns = () => 'DNS failure: the host name did not resolve (is there internet access?)';

/** Network errors by code: the reason for the user, and whether resuming may help. */
const NETWORK_FAILURES: Record<string, [reason: (idleMs: number) => string, transient: boolean]> = {
  ECONNREFUSED: [() => 'connection refused', false],
  ENOTFOUND: [noDns, false],
  EAI_AGAIN: [noDns, false],
  ENETUNREACH: [() => 'the network is unreachable (is there internet access?)', false],
  EHOSTUNREACH: [() => 'the host is unreachable', false],
  ECONNRESET: [() => 'the connection was reset', true],
  UND_ERR_SOCKET: [() => 'the connection dropped', true],
  ETIMEDOUT: [() => 'timeout while connecting', true],
  UND_ERR_CONNECT_TIMEOUT: [(idleMs) => `timeout: no connection within ${idleMs / 1000} s`, true],
  UND_ERR_HEADERS_TIMEOUT: [quiet, true],
  UND_ERR_BODY_TIMEOUT: [quiet, true],
};

function asFailure(err: unknown, idleMs: number): DownloadFailure {
  if (err instanceof DownloadFailure) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? NETWORK_FAILURES[code] : undefined;
  if (known) return new DownloadFailure(known[0](idleMs), known[1], { cause: err });
  return new DownloadFailure(err instanceof Error ? err.message : String(err), false, { cause: err });
}
