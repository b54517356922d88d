import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { Agent, buildConnector, errors } from 'undici';
import { AppError } from '../errors.js';
import { formatLength } from '../media/media-length.js';
import { forbiddenReason, isAllowedAddress } from './address-rule.js';

/**
 * Opens links that users send, without letting a link reach our own network (docs/architecture.md#links-users-send).
 *
 * The check sits in the one place every connection passes through: undici's connector. It resolves the
 * host, refuses unless every resolved address is allowed, then connects to exactly an address it checked,
 * so DNS rebinding between check and connect is impossible. Redirects are followed here, one hop at a time,
 * so each hop goes through the connector again.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SafeFetcherOptions {
  /** IP literals reachable although the address rule forbids them (tests: 127.0.0.1). */
  allowAddresses: readonly string[];
  /**
   * Limit for the whole download, redirects, headers and body included (FETCH_TIMEOUT_SECONDS): a body that
   * never ends, or drips in just fast enough never to pause, is cut here.
   */
  timeoutMs: number;
  /** Limit for DNS plus connect, the response headers and each pause in the body (at most `timeoutMs`; 1 min). */
  idleTimeoutMs?: number;
  maxRedirects?: number;
  /** Replaces DNS in tests; by default every address the system resolver returns. */
  lookup?: HostLookup;
}

export interface OpenInit {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RemoteMedia {
  /** Errors while streaming are AppErrors too (DOWNLOAD_TIMEOUT, LINK_UNREACHABLE, CANCELLED). */
  body: Readable;
  status: number;
  contentType: string | null;
  contentLength: number | null;
  /** From Content-Disposition or the URL path, safe to store and show. */
  filename: string | null;
  finalUrl: string;
}

export interface SafeFetcher {
  open(url: string, init?: OpenInit): Promise<RemoteMedia>;
  /** Closes pooled connections (on shutdown). */
  close(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that carry the user's identity and must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

const systemLookup: HostLookup = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

export function createSafeFetcher(opts: SafeFetcherOptions): SafeFetcher {
  const maxRedirects = opts.maxRedirects ?? 5;
  const idleMs = Math.min(opts.idleTimeoutMs ?? DEFAULT_IDLE_MS, opts.timeoutMs);
  const agent = new Agent({
    connect: guardedConnector(opts.allowAddresses, opts.lookup ?? systemLookup, idleMs),
    headersTimeout: idleMs,
    bodyTimeout: idleMs,
  });

  async function open(link: string, init: OpenInit = {}): Promise<RemoteMedia> {
    let url = parseLink(link, 'link');
    const deadline = downloadDeadline(opts.timeoutMs);
    // Aborted by the caller or by the deadline; its reason says which (toUserError reads it).
    const signal = init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    let headers = { ...init.headers };
    try {
      for (let hop = 0; ; hop++) {
        const res = await agent.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'GET',
          headers,
          signal,
        });
        const location = res.headers.location;
        if (!REDIRECT_STATUSES.has(res.statusCode) || typeof location !== 'string') {
          failOnErrorStatus(res.statusCode, () => discard(res.body));
          return {
            body: withUserErrors(res.body, signal, deadline.clear),
            status: res.statusCode,
            contentType: headerValue(res.headers['content-type']),
            contentLength: parseContentLength(headerValue(res.headers['content-length'])),
            filename: filenameFrom(headerValue(res.headers['content-disposition']), url),
            finalUrl: url.href,
          };
        }
        discard(res.body);
        if (hop >= maxRedirects) {
          throw new AppError('LINK_UNREACHABLE', `The link redirected more than ${maxRedirects} times, so we stopped following it.`);
        }
        const next = parseLink(location, 'redirect', url);
        if (next.origin !== url.origin) headers = withoutCredentials(headers);
        url = next;
      }
    } catch (err) {
      deadline.clear();
      throw toUserError(err, signal);
    }
  }

  return { open, close: () => agent.close() };
}

const DEFAULT_IDLE_MS = 60_000;

/** Aborts with DOWNLOAD_TIMEOUT once `ms` have passed, unless cleared first (the download ended). */
function downloadDeadline(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new AppError(
        'DOWNLOAD_TIMEOUT',
        `The download from that link took longer than ${formatLength(ms / 1000)}, so we stopped it. ` +
          'Send a link to a smaller file, or upload the recording itself.',
      ),
    );
  }, ms);
  // A pending deadline alone must not keep a process from exiting.
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * undici's connector with the address rule in front: resolve (or take the IP literal), refuse unless every
 * address is allowed, then connect to the checked addresses in turn until one answers.
 */
function guardedConnector(allow: readonly string[], lookup: HostLookup, timeoutMs: number): buildConnector.connector {
  const connectTo = buildConnector({ timeout: timeoutMs });
  return (options, callback) => {
    withTimeout(resolveAllowed(options.hostname, allow, lookup), timeoutMs).then(
      (addresses) => connectFirst(addresses, 0),
      (err: Error) => callback(err, null),
    );

    function connectFirst(addresses: readonly ResolvedAddress[], index: number): void {
      // hostname becomes the checked IP; TLS still sends SNI and verifies the certificate for the original
      // name, because undici derives the servername from `host`, which stays as it was.
      connectTo({ ...options, hostname: addresses[index]!.address }, (...result) => {
        if (result[0] !== null && index + 1 < addresses.length) connectFirst(addresses, index + 1);
        else callback(...result);
      });
    }
  };
}

async function resolveAllowed(hostname: string, allow: readonly string[], lookup: HostLookup): Promise<ResolvedAddress[]> {
  const family = isIP(hostname);
  const addresses = family === 0 ? await lookup(hostname) : [{ address: hostname, family: family as 4 | 6 }];
  if (addresses.length === 0) throw Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' });
  const refused = addresses.find(({ address }) => !isAllowedAddress(address, allow));
  if (refused) {
    // The address and reason are for the logs (cause); the user only learns that the target is internal.
    const detail = new Error(`${hostname} resolves to ${refused.address}: ${forbiddenReason(refused.address) ?? 'not allowed'}`);
    throw new AppError(
      'LINK_FORBIDDEN',
      "That link points to a private or internal network address, which we don't download from.",
      false,
      { cause: detail },
    );
  }
  return addresses;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new errors.ConnectTimeoutError(`No address within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** An http(s) URL without credentials; `base` resolves a relative redirect target. */
function parseLink(text: string, what: 'link' | 'redirect', base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw invalidLink(what);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidLink(what);
  if (url.username !== '' || url.password !== '') {
    throw new AppError('LINK_INVALID', 'Links with a user name or password in them are not supported. Send a link that opens without signing in.');
  }
  return url;
}

function invalidLink(what: 'link' | 'redirect'): AppError {
  return what === 'link'
    ? new AppError('LINK_INVALID', 'That is not a web link we can download. Send an http:// or https:// link to a video or audio file.')
    : new AppError('LINK_INVALID', 'The link redirected to something other than a web (http or https) address, so we stopped there.');
}

function failOnErrorStatus(status: number, discardBody: () => void): void {
  if (status >= 200 && status < 300) return;
  discardBody();
  if (status === 404 || status === 410) {
    throw new AppError('LINK_NOT_FOUND', `Nothing was found at that link (HTTP ${status}). Check that the link is complete and still valid.`);
  }
  if (status === 401 || status === 403) {
    throw new AppError('LINK_UNREACHABLE', `The server refused to share this file (HTTP ${status}). Send a link that works without signing in.`);
  }
  if (status === 429 || status >= 500) {
    throw new AppError('LINK_UNREACHABLE', `The server behind the link answered with an error (HTTP ${status}). Check the link, or try again in a few minutes.`, true);
  }
  throw new AppError('LINK_UNREACHABLE', `The server behind the link did not hand over a file (HTTP ${status}).`);
}

/** Closes a body nobody will read; its abort error has no reader to go to. */
function discard(body: Readable): void {
  body.on('error', () => undefined).destroy();
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
}

/** Passes the body on so that a failure while streaming reaches the reader as an AppError. */
function withUserErrors(body: Readable, signal: AbortSignal, onClose: () => void): Readable {
  const out = new PassThrough();
  body.once('error', (err) => out.destroy(toUserError(err, signal)));
  // A reader that gives up early (size cap, cancel) closes the connection too.
  out.once('close', () => {
    onClose();
    body.destroy();
  });
  return body.pipe(out);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/** Turns network, DNS and undici failures into a sentence for the chat user; the original stays as cause. */
function toUserError(err: unknown, signal: AbortSignal | undefined): AppError {
  if (err instanceof AppError) return err;
  if (signal?.aborted) {
    return signal.reason instanceof AppError ? signal.reason : new AppError('CANCELLED', 'The download was cancelled.', false, { cause: err });
  }
  const code = errorCode(err);
  const cause = { cause: err };
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return new AppError('DOWNLOAD_TIMEOUT', 'The server behind the link stopped responding, so the download timed out.', true, cause);
    case 'ENOTFOUND':
      return new AppError('LINK_UNREACHABLE', 'We could not find the server named in that link. Check it for typos.', false, cause);
    case 'EAI_AGAIN':
      return new AppError('LINK_UNREACHABLE', 'We could not look up the server named in that link just now. Check the link, or try again in a few minutes.', true, cause);
    case 'ECONNREFUSED':
      return new AppError('LINK_UNREACHABLE', 'The server behind the link refused the connection. Check the link, or try again in a few minutes.', true, cause);
  }
  if (code?.startsWith('ERR_TLS_') || code?.includes('CERT') || code?.startsWith('UNABLE_TO_')) {
    return new AppError('LINK_UNREACHABLE', 'We could not open a secure connection to the server behind the link (its certificate was not accepted).', false, cause);
  }
  return new AppError('LINK_UNREACHABLE', 'We could not reach the server behind the link, or the connection dropped. Check the link, or try again in a few minutes.', true, cause);
}

function headerValue(value: string | string[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? null : first.trim();
}

function parseContentLength(value: string | null): number | null {
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

/** The name the server suggests (RFC 6266, filename* preferred), else the last segment of the URL path. */
function filenameFrom(disposition: string | null, url: URL): string | null {
  const extended = disposition?.match(/filename\*\s*=\s*[\w-]+'[^']*'([^;]+)/i)?.[1];
  const plain = disposition?.match(/filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i);
  const candidates = [
    extended === undefined ? undefined : decodeOrKeep(extended.trim()),
    plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2],
    decodeOrKeep(url.pathname.split('/').pop() ?? ''),
  ];
  for (const candidate of candidates) {
    const name = candidate === undefined ? null : sanitizeFilename(candidate);
    if (name !== null) return name;
  }
  return null;
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const MAX_FILENAME_LENGTH = 255;

/** No path parts, control or shell-hostile characters, no leading dots; null when nothing useful is left. */
export function sanitizeFilename(raw: string): string | null {
  const base = raw.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/\s+/g, ' ').replace(/^[\s.]+|[\s.]+$/g, '');
  if (cleaned === '' || /^_+$/.test(cleaned)) return null;
  if (cleaned.length <= MAX_FILENAME_LENGTH) return cleaned;
  const ext = cleaned.match(/\.[\w]{1,10}$/)?.[0] ?? '';
  return cleaned.slice(0, MAX_FILENAME_LENGTH - ext.length) + ext;
}
