import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { tempDir, type MediaDir } from '../../test/helpers/media.js';
import { until } from '../../test/helpers/until.js';
import { createSafeFetcher, type HostLookup, type SafeFetcher } from './safe-fetch.js';

// Every server here listens on loopback, and every address a test uses is a loopback address.

/** A server that counts the connections it accepts and answers each request with a small "video". */
class CountingServer {
  private remotePorts: number[] = [];
  private seen = new Set<() => void>();
  readonly server: http.Server;
  readonly served: { url: string; headers: http.IncomingHttpHeaders }[] = [];

  constructor(handler: http.RequestListener = (_req, res) => res.writeHead(200, { 'content-type': 'video/mp4' }).end('leaked')) {
    this.server = http.createServer((req, res) => {
      this.served.push({ url: req.url ?? '', headers: req.headers });
      handler(req, res);
    });
    this.server.on('connection', (socket) => {
      this.remotePorts.push(socket.remotePort ?? -1);
      for (const notify of this.seen) notify();
    });
  }

  async listen(host: string): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    return this;
  }

  get host(): string {
    return (this.server.address() as net.AddressInfo).address;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /**
   * Connections accepted since the last call, not counting a probe: the probe connects last and the
   * kernel hands connections over in order, so once the server has seen the probe it has seen the rest.
   */
  async connectionsSinceLastCheck(): Promise<number> {
    const probe = net.connect({ host: this.host, port: this.port });
    await new Promise<void>((resolve, reject) => probe.once('connect', resolve).once('error', reject));
    const probePort = probe.localPort;
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!this.remotePorts.includes(probePort ?? -2)) return;
        this.seen.delete(check);
        resolve();
      };
      this.seen.add(check);
      check();
    });
    probe.destroy();
    const others = this.remotePorts.filter((port) => port !== probePort).length;
    this.remotePorts = [];
    return others;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const MEDIA = randomBytes(512 * 1024);

/** The allowed media server on 127.0.0.1. */
function mediaHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://media');
  const chain = url.pathname.match(/^\/chain\/(\d+)$/);
  if (chain) {
    const left = Number(chain[1]);
    if (left > 0) res.writeHead(302, { location: `/chain/${left - 1}` }).end();
    else res.writeHead(200, { 'content-type': 'video/mp4' }).end(MEDIA);
    return;
  }
  switch (url.pathname) {
    case '/media/weekly%20meeting.mp4':
    case '/file.mp4':
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(MEDIA.length) }).end(MEDIA);
      return;
    case '/named':
      res
        .writeHead(200, {
          'content-type': 'audio/mpeg',
          'content-disposition': `attachment; filename="fallback.mp3"; filename*=UTF-8''Team%20sync%20%E2%9C%93.mp3`,
        })
        .end('x');
      return;
    case '/sneaky-name':
      res.writeHead(200, { 'content-disposition': 'attachment; filename="../../etc/passwd"' }).end('x');
      return;
    case '/redirect':
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
      return;
    case '/headers':
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
      return;
    case '/missing':
      res.writeHead(404).end('not here');
      return;
    case '/gone':
      res.writeHead(410).end();
      return;
    case '/private':
      res.writeHead(403).end();
      return;
    case '/broken':
      res.writeHead(503).end();
      return;
    case '/stall-headers':
      return; // never answers
    case '/stall-body':
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '1000000' });
      res.write(MEDIA.subarray(0, 1000));
      return; // never finishes
    case '/headers-only':
      res.writeHead(200, { 'content-type': 'video/mp4' }).flushHeaders();
      return; // chunked, and not one chunk ever comes
    case '/endless':
      // Never ends and never pauses: 4 KB every 10 ms, far under any size cap per second.
      keepWriting(res, 10, () => MEDIA.subarray(0, 4096));
      return;
    case '/drip':
      // One byte at a time, each well inside the pause limit.
      keepWriting(res, 20, () => MEDIA.subarray(0, 1));
      return;
    default:
      res.writeHead(200).end('root');
  }
}

/** Writes a chunk every `everyMs` until the client goes away; records that it went. */
function keepWriting(res: http.ServerResponse, everyMs: number, chunk: () => Buffer): void {
  res.writeHead(200, { 'content-type': 'video/mp4' });
  const timer = setInterval(() => res.write(chunk()), everyMs);
  res.once('close', () => {
    clearInterval(timer);
    abandoned.push(res.req.url ?? '');
  });
}

/** Responses whose client hung up before they ended. */
const abandoned: string[] = [];

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    (opened) => {
      if (opened instanceof Object && 'body' in opened && opened.body instanceof Readable) opened.body.destroy();
      throw new Error('expected the link to be refused');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let media: CountingServer;
let otherOrigin: CountingServer;
let forbiddenV4: CountingServer;
let forbiddenV6: CountingServer;
const fetchers: SafeFetcher[] = [];

/** Test DNS: names below resolve to loopback addresses only. */
const testLookup: HostLookup = async (hostname) => {
  const table: Record<string, string[]> = {
    'media.test': ['127.0.0.1'],
    'internal.test': ['127.0.0.2'],
    'mixed.test': ['127.0.0.1', '127.0.0.2'],
    'v6.test': ['::1'],
  };
  const addresses = table[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: net.isIP(address) as 4 | 6 }));
};

function fetcher(overrides: Partial<Parameters<typeof createSafeFetcher>[0]> = {}): SafeFetcher {
  const created = createSafeFetcher({ allowAddresses: ['127.0.0.1'], timeoutMs: 5_000, lookup: testLookup, ...overrides });
  fetchers.push(created);
  return created;
}

beforeAll(async () => {
  media = await new CountingServer(mediaHandler).listen('127.0.0.1');
  otherOrigin = await new CountingServer(mediaHandler).listen('127.0.0.1');
  forbiddenV4 = await new CountingServer().listen('127.0.0.2');
  forbiddenV6 = await new CountingServer().listen('::1');
});

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
});

afterAll(async () => {
  await Promise.all([media, otherOrigin, forbiddenV4, forbiddenV6].map((s) => s?.close()));
});

describe('an allowed media server', () => {
  it('streams the file with its type, size and name', async () => {
    const remote = await fetcher().open(`http://127.0.0.1:${media.port}/file.mp4`);
    expect(remote.status).toBe(200);
    expect(remote.contentType).toBe('video/mp4');
    expect(remote.contentLength).toBe(MEDIA.length);
    expect(remote.filename).toBe('file.mp4');
    expect(remote.finalUrl).toBe(`http://127.0.0.1:${media.port}/file.mp4`);
    expect((await buffer(remote.body)).equals(MEDIA)).toBe(true);
  });

  it('reaches a host name whose addresses are all allowed', async () => {
    const remote = await fetcher().open(`http://media.test:${media.port}/media/weekly%20meeting.mp4`);
    expect(remote.filename).toBe('weekly meeting.mp4');
    expect((await buffer(remote.body)).equals(MEDIA)).toBe(true);
  });

  it('prefers the name from Content-Disposition and strips path parts from it', async () => {
    const f = fetcher();
    const named = await f.open(`http://127.0.0.1:${media.port}/named`);
    expect(named.filename).toBe('Team sync ✓.mp3');
    await text(named.body);
    const sneaky = await f.open(`http://127.0.0.1:${media.port}/sneaky-name`);
    expect(sneaky.filename).toBe('passwd');
    await text(sneaky.body);
    const root = await f.open(`http://127.0.0.1:${media.port}/`);
    expect(root.filename).toBeNull();
    await text(root.body);
  });

  it('follows redirects up to the limit and reports where it ended', async () => {
    const f = fetcher({ maxRedirects: 3 });
    const remote = await f.open(`http://127.0.0.1:${media.port}/chain/3`);
    expect(remote.finalUrl).toBe(`http://127.0.0.1:${media.port}/chain/0`);
    expect((await buffer(remote.body)).equals(MEDIA)).toBe(true);

    const err = await refusal(f.open(`http://127.0.0.1:${media.port}/chain/4`));
    expect(err.code).toBe('LINK_UNREACHABLE');
    expect(err.userMessage).toMatch(/redirected more than 3 times/);
    expect(err.retryable).toBe(false);
  });

  it('follows five redirects by default, not six', async () => {
    const f = fetcher();
    await expect(f.open(`http://127.0.0.1:${media.port}/chain/5`).then((r) => buffer(r.body))).resolves.toHaveLength(MEDIA.length);
    expect((await refusal(f.open(`http://127.0.0.1:${media.port}/chain/6`))).code).toBe('LINK_UNREACHABLE');
  });
});

describe('credentials on redirects', () => {
  const credentials = { Authorization: 'Bearer secret-token', Cookie: 'session=abc', 'X-Request-Id': 'kept' };

  it('keeps them on the same origin', async () => {
    const remote = await fetcher().open(`http://127.0.0.1:${media.port}/redirect?to=/headers`, { headers: credentials });
    const seen = JSON.parse(await text(remote.body)) as Record<string, string>;
    expect(seen.authorization).toBe('Bearer secret-token');
    expect(seen.cookie).toBe('session=abc');
  });

  it('drops them when a redirect leaves the origin', async () => {
    const target = `http://127.0.0.1:${otherOrigin.port}/headers`;
    const remote = await fetcher().open(`http://127.0.0.1:${media.port}/redirect?to=${encodeURIComponent(target)}`, { headers: credentials });
    const seen = JSON.parse(await text(remote.body)) as Record<string, string>;
    expect(seen.authorization).toBeUndefined();
    expect(seen.cookie).toBeUndefined();
    expect(seen['x-request-id']).toBe('kept');
    expect(otherOrigin.served.at(-1)?.headers.authorization).toBeUndefined();
  });
});

describe('forbidden targets never get a connection', () => {
  afterEach(async () => {
    expect(await forbiddenV4.connectionsSinceLastCheck()).toBe(0);
    expect(await forbiddenV6.connectionsSinceLastCheck()).toBe(0);
  });

  const direct = () => [
    `http://127.0.0.2:${forbiddenV4.port}/video.mp4`,
    `http://[::1]:${forbiddenV6.port}/video.mp4`,
    `http://[::ffff:127.0.0.2]:${forbiddenV4.port}/video.mp4`,
    `http://2130706434:${forbiddenV4.port}/video.mp4`,
    `http://0x7f000002:${forbiddenV4.port}/video.mp4`,
    `http://0177.0.0.2:${forbiddenV4.port}/video.mp4`,
    `http://127.2:${forbiddenV4.port}/video.mp4`,
    `http://internal.test:${forbiddenV4.port}/video.mp4`,
    `http://mixed.test:${forbiddenV4.port}/video.mp4`,
    `http://v6.test:${forbiddenV6.port}/video.mp4`,
  ];

  it('refuses each private form of a link without saying which address it found', async () => {
    const f = fetcher();
    for (const link of direct()) {
      const err = await refusal(f.open(link));
      expect({ link, code: err.code }).toEqual({ link, code: 'LINK_FORBIDDEN' });
      expect(err.retryable).toBe(false);
      expect(err.userMessage).not.toMatch(/127\.|::/);
    }
  });

  it('refuses a redirect from an allowed server to each private form', async () => {
    const f = fetcher();
    for (const target of direct()) {
      const link = `http://127.0.0.1:${media.port}/redirect?to=${encodeURIComponent(target)}`;
      const err = await refusal(f.open(link));
      expect({ target, code: err.code }).toEqual({ target, code: 'LINK_FORBIDDEN' });
    }
  });

  it('refuses a redirect to anything but http(s)', async () => {
    const f = fetcher();
    for (const target of ['ftp://127.0.0.2/video.mp4', 'file:///etc/passwd', 'gopher://127.0.0.2:70/']) {
      const link = `http://127.0.0.1:${media.port}/redirect?to=${encodeURIComponent(target)}`;
      expect((await refusal(f.open(link))).code).toBe('LINK_INVALID');
    }
  });

  it('refuses loopback reached through the system resolver when nothing is allow-listed', async () => {
    await media.connectionsSinceLastCheck(); // earlier tests connected on purpose
    const strict = fetcher({ allowAddresses: [], lookup: undefined });
    expect((await refusal(strict.open(`http://localhost:${media.port}/file.mp4`))).code).toBe('LINK_FORBIDDEN');
    expect((await refusal(strict.open(`http://127.0.0.1:${media.port}/file.mp4`))).code).toBe('LINK_FORBIDDEN');
    expect(await media.connectionsSinceLastCheck()).toBe(0);
  });
});

describe('links that are not http(s)', () => {
  it.each(['ftp://127.0.0.1/video.mp4', 'file:///etc/passwd', 'javascript:alert(1)', 'data:video/mp4;base64,AAAA', 'not a link', ''])(
    'refuses %j as LINK_INVALID',
    async (link) => {
      expect((await refusal(fetcher().open(link))).code).toBe('LINK_INVALID');
    },
  );

  it('refuses a link with a user name and password in it', async () => {
    await media.connectionsSinceLastCheck(); // earlier tests connected on purpose
    const err = await refusal(fetcher().open(`http://user:pass@127.0.0.1:${media.port}/file.mp4`));
    expect(err.code).toBe('LINK_INVALID');
    expect(await media.connectionsSinceLastCheck()).toBe(0);
  });
});

describe('servers that fail', () => {
  it.each([
    ['/missing', 'LINK_NOT_FOUND', false],
    ['/gone', 'LINK_NOT_FOUND', false],
    ['/private', 'LINK_UNREACHABLE', false],
    ['/broken', 'LINK_UNREACHABLE', true],
  ] as const)('%s fails with %s (retryable: %s)', async (route, code, retryable) => {
    const err = await refusal(fetcher().open(`http://127.0.0.1:${media.port}${route}`));
    expect({ code: err.code, retryable: err.retryable }).toEqual({ code, retryable });
  });

  it('a closed port is unreachable and worth retrying', async () => {
    const err = await refusal(fetcher().open(`http://127.0.0.1:${await closedPort()}/file.mp4`));
    expect({ code: err.code, retryable: err.retryable }).toEqual({ code: 'LINK_UNREACHABLE', retryable: true });
  });

  it('a name that does not resolve is unreachable, not retried', async () => {
    const err = await refusal(fetcher().open('http://no-such-host.test/file.mp4'));
    expect({ code: err.code, retryable: err.retryable }).toEqual({ code: 'LINK_UNREACHABLE', retryable: false });
    const empty = fetcher({ lookup: async () => [] });
    expect((await refusal(empty.open('http://media.test/file.mp4'))).code).toBe('LINK_UNREACHABLE');
  });

  it('a server that never answers times out', async () => {
    const err = await refusal(fetcher({ idleTimeoutMs: 200 }).open(`http://127.0.0.1:${media.port}/stall-headers`));
    expect({ code: err.code, retryable: err.retryable }).toEqual({ code: 'DOWNLOAD_TIMEOUT', retryable: true });
  });

  it('a body that stops flowing fails the stream with a timeout', async () => {
    const remote = await fetcher({ idleTimeoutMs: 200 }).open(`http://127.0.0.1:${media.port}/stall-body`);
    const err = await refusal(buffer(remote.body));
    expect(err.code).toBe('DOWNLOAD_TIMEOUT');
  });

  it('a server that sends headers, then nothing, times out', async () => {
    const remote = await fetcher({ idleTimeoutMs: 200 }).open(`http://127.0.0.1:${media.port}/headers-only`);
    const err = await refusal(buffer(remote.body));
    expect({ code: err.code, retryable: err.retryable }).toEqual({ code: 'DOWNLOAD_TIMEOUT', retryable: true });
    expect(err.userMessage).toMatch(/stopped responding/);
  });

  it.each(['/endless', '/drip'])('a body that never ends (%s) is cut at the download time limit, though it never pauses', async (route) => {
    const remote = await fetcher({ timeoutMs: 1000, idleTimeoutMs: 200 }).open(`http://127.0.0.1:${media.port}${route}`);
    let received = 0;
    remote.body.on('data', (chunk: Buffer) => (received += chunk.length));
    const err = await refusal(once(remote.body, 'end'));
    expect(err.code).toBe('DOWNLOAD_TIMEOUT');
    expect(err.userMessage).toMatch(/took longer than 1 s, so we stopped it/);
    expect(received).toBeGreaterThan(0); // it did flow: the pause limit alone would never have fired
    await until(`the server to see ${route} abandoned`, async () => abandoned.includes(route));
  });

  it('a name that takes too long to resolve times out', async () => {
    const slowDns = fetcher({ idleTimeoutMs: 200, lookup: () => new Promise(() => undefined) });
    expect((await refusal(slowDns.open('http://media.test/file.mp4'))).code).toBe('DOWNLOAD_TIMEOUT');
  });

  it('the signal cancels a download that is waiting and one that is streaming', async () => {
    const f = fetcher();
    const waiting = new AbortController();
    const pending = f.open(`http://127.0.0.1:${media.port}/stall-headers`, { signal: waiting.signal });
    setTimeout(() => waiting.abort(), 50);
    expect((await refusal(pending)).code).toBe('CANCELLED');

    const streaming = new AbortController();
    const remote = await f.open(`http://127.0.0.1:${media.port}/stall-body`, { signal: streaming.signal });
    const body = buffer(remote.body);
    streaming.abort();
    expect((await refusal(body)).code).toBe('CANCELLED');
  });
});

describe('https', () => {
  let certs: MediaDir;
  let server: tls.Server;
  const requestedNames: string[] = [];

  beforeAll(async () => {
    certs = await tempDir('wn-tls-');
    const keyFile = path.join(certs.dir, 'key.pem');
    const certFile = path.join(certs.dir, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=media.test',
      '-addext', 'subjectAltName=DNS:media.test', '-keyout', keyFile, '-out', certFile,
    ]);
    const context = tls.createSecureContext({ key: await readFile(keyFile), cert: await readFile(certFile) });
    // SNI arrives in the ClientHello, before the client gets to judge (and refuse) the certificate.
    server = tls.createServer(
      {
        SNICallback: (name, done) => {
          requestedNames.push(name);
          done(null, context);
        },
      },
      (socket) => socket.end(),
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await certs?.cleanup();
  });

  it('connects to the checked address, asks for the name in the link and verifies its certificate', async () => {
    const { port } = server.address() as net.AddressInfo;
    const err = await refusal(fetcher().open(`https://media.test:${port}/file.mp4`));
    expect(requestedNames).toContain('media.test');
    // The certificate is self-signed, so verification (which is on) refuses it: not worth a retry.
    expect({ code: err.code, retryable: err.retryable }).toEqual({ code: 'LINK_UNREACHABLE', retryable: false });
  });
});
