import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type MediaDir } from '../../test/helpers/media.js';
import { until } from '../../test/helpers/until.js';
import { createLogger, type Logger } from '../logger.js';
import { ensureModel, modelState, ModelUnavailableError, type DownloadProgress, type ModelSource } from './model-download.js';

// The model server listens on loopback, and every URL here points at it or at a closed loopback port.

const MODEL = randomBytes(3 * 1024 * 1024);
const SHA256 = createHash('sha256').update(MODEL).digest('hex');
const CHUNK = 64 * 1024;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What one request gets wrong on purpose. */
interface Fault {
  /** Closes the connection after this many body bytes. */
  dropAfter?: number;
  /** Sends this many body bytes (0: not even the headers), then nothing, leaving the connection open. */
  stallAfter?: number;
  /** Ends the response, as if that were all, after this many body bytes (with `withoutLength`). */
  endAfter?: number;
  /** Answers 200 with the whole file, as a server without range support does. */
  ignoreRange?: boolean;
  /** Answers a Range request from here instead of where it asked. */
  resumeAt?: number;
  /** Sends no Content-Length (chunked). */
  withoutLength?: boolean;
  /** Answers with this status and no body. */
  status?: number;
}

interface Served {
  path: string;
  range: string | undefined;
  userAgent: string | undefined;
  status: number;
}

/**
 * Serves MODEL at /cdn/model.bin with Range support, and a redirect to it at /hf/model.bin as Hugging Face
 * answers; records each request and counts the body bytes it sends.
 */
class ModelServer {
  readonly server = http.createServer((req, res) => void this.handle(req, res));
  served: Served[] = [];
  bodyBytes = 0;
  /** Pause after each 64 KB, to make a download last. */
  paceMs = 0;
  /** While set, bodies stop after their first chunk until it resolves. */
  gate: Promise<void> | null = null;
  private faults: Fault[] = [];

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(pathname: string): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}${pathname}`;
  }

  /** The next requests misbehave as given, one fault each, in order. */
  failNext(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  reset(): void {
    this.served = [];
    this.bodyBytes = 0;
    this.paceMs = 0;
    this.gate = null;
    this.faults = [];
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const fault = this.faults.shift() ?? {};
    const served: Served = { path: req.url ?? '', range: req.headers.range, userAgent: req.headers['user-agent'], status: 0 };
    this.served.push(served);
    const reply = (status: number, headers: http.OutgoingHttpHeaders) => {
      served.status = status;
      return res.writeHead(status, headers);
    };
    if (fault.status) return void reply(fault.status, {}).end();
    if (req.url === '/hf/model.bin') return void reply(302, { location: '/cdn/model.bin' }).end();
    const hop = /^\/endless\/(\d+)$/.exec(req.url ?? '');
    if (hop) return void reply(302, { location: `/endless/${Number(hop[1]) + 1}` }).end();
    if (req.url !== '/cdn/model.bin') return void reply(404, {}).end('not here');

    const asked = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const length = (bytes: number) => (fault.withoutLength ? {} : { 'content-length': String(bytes) });
    if (asked === 0 || fault.ignoreRange) {
      reply(200, length(MODEL.length));
      return this.send(res, MODEL, fault);
    }
    if (asked >= MODEL.length) return void reply(416, { 'content-range': `bytes */${MODEL.length}` }).end();
    const start = fault.resumeAt ?? asked;
    reply(206, { 'content-range': `bytes ${start}-${MODEL.length - 1}/${MODEL.length}`, ...length(MODEL.length - start) });
    return this.send(res, MODEL.subarray(start), fault);
  }

  private async send(res: http.ServerResponse, body: Buffer, fault: Fault): Promise<void> {
    const end = Math.min(body.length, fault.dropAfter ?? fault.stallAfter ?? fault.endAfter ?? body.length);
    for (let at = 0; at < end && !res.destroyed; at += CHUNK) {
      const chunk = body.subarray(at, Math.min(at + CHUNK, end));
      // The callback runs once the bytes are with the kernel (or failed): a drop then cuts exactly there.
      const failed = await new Promise<Error | null | undefined>((resolve) => res.write(chunk, resolve));
      if (failed) return;
      this.bodyBytes += chunk.length;
      if (this.gate) await this.gate;
      if (this.paceMs) await sleep(this.paceMs);
    }
    if (fault.dropAfter !== undefined) {
      // A pause first, so the client holds all it was sent: undici discards what it buffered when the socket fails.
      await sleep(100);
      res.destroy();
    } else if (fault.stallAfter === undefined) res.end();
  }
}

let server: ModelServer;
let models: MediaDir;
let logs: Array<{ level: number; msg: string }>;
let log: Logger;

beforeAll(async () => {
  server = await new ModelServer().listen();
});

beforeEach(async () => {
  server.reset();
  models = await tempDir('wn-models-');
  logs = [];
  log = createLogger('info', 'test', { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
});

afterEach(async () => {
  server.server.closeAllConnections(); // ends stalled responses
  await models.cleanup();
});

afterAll(async () => {
  await server?.close();
});

const source = (overrides: Partial<ModelSource> = {}): ModelSource => ({
  label: 'the speech model',
  file: 'ggml-test.bin',
  url: server.url('/cdn/model.bin'),
  bytes: MODEL.length,
  sha256: SHA256,
  ...overrides,
});
const modelFile = () => path.join(models.dir, 'ggml-test.bin');
const partFile = () => `${modelFile()}.part`;
const lockFile = () => `${modelFile()}.lock`;
const leftInDir = () => readdir(models.dir);
const warnings = () => logs.filter((line) => line.level === 40).map((line) => line.msg);

async function expectWholeModel(file: string): Promise<void> {
  expect(file).toBe(modelFile());
  expect((await readFile(file)).equals(MODEL)).toBe(true);
  expect(await leftInDir()).toEqual(['ggml-test.bin']); // no .part, no .lock
}

async function unavailable(promise: Promise<unknown>): Promise<ModelUnavailableError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the model to be unavailable');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelUnavailableError);
  return err as ModelUnavailableError;
}

function lockOf(pid: number): string {
  return JSON.stringify({ pid, hostname: os.hostname(), startedAt: new Date().toISOString(), token: 'another-process' });
}

async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('downloading a model', () => {
  it('follows the redirect, verifies the sha256 and keeps only the whole file, reporting progress on the way', async () => {
    server.paceMs = 25; // about 1.2 s for the 48 chunks
    const reports: DownloadProgress[] = [];
    const reportedAt: number[] = [];
    const onProgress = (p: DownloadProgress) => reports.push(p) && reportedAt.push(Date.now());
    const file = await ensureModel(models.dir, source({ url: server.url('/hf/model.bin') }), { log, onProgress });

    await expectWholeModel(file);
    expect(server.served.map((s) => [s.path, s.status])).toEqual([['/hf/model.bin', 302], ['/cdn/model.bin', 200]]);
    expect(server.served[1]?.userAgent).toMatch(/whisper-notes/);

    // One every ~500 ms plus the last, not one per chunk; rising; complete only at the end.
    expect(reports.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < reports.length - 1; i++) expect(reportedAt[i]! - reportedAt[i - 1]!).toBeGreaterThanOrEqual(490);
    for (const [i, report] of reports.entries()) {
      expect(report.file).toBe('ggml-test.bin');
      expect(report.totalBytes).toBe(MODEL.length);
      if (i > 0) expect(report.receivedBytes).toBeGreaterThanOrEqual(reports[i - 1]!.receivedBytes);
      if (i > 0) expect(report.percent!).toBeGreaterThanOrEqual(reports[i - 1]!.percent!);
      if (i < reports.length - 1) expect(report.percent).toBeLessThan(100);
    }
    expect(reports.at(-1)).toEqual({ file: 'ggml-test.bin', receivedBytes: MODEL.length, totalBytes: MODEL.length, percent: 100 });

    const percents = logs.flatMap((line) => /^downloading the speech model ggml-test\.bin: (\d+) % of 3\.1 MB$/.exec(line.msg)?.[1] ?? []).map(Number);
    expect(percents.map((p) => Math.floor(p / 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('resumes with a Range request when the connection drops mid-body', async () => {
    server.failNext({ dropAfter: 1_000_000 });
    await expectWholeModel(await ensureModel(models.dir, source(), { log }));
    expect(server.served.map((s) => [s.range, s.status])).toEqual([[undefined, 200], ['bytes=1000000-', 206]]);
    expect(server.bodyBytes).toBe(MODEL.length); // not one byte twice
    expect(warnings().some((msg) => msg.includes('the connection dropped; resuming at 1.0 MB'))).toBe(true);
  });

  it('continues the .part an earlier run left instead of starting over', async () => {
    await writeFile(partFile(), MODEL.subarray(0, 1_234_567));
    const reports: DownloadProgress[] = [];
    await expectWholeModel(await ensureModel(models.dir, source(), { log, onProgress: (p) => reports.push(p) }));
    expect(server.served.map((s) => [s.range, s.status])).toEqual([['bytes=1234567-', 206]]);
    expect(server.bodyBytes).toBe(MODEL.length - 1_234_567);
    expect(reports[0]?.receivedBytes).toBe(1_234_567);
  });

  it('verifies and keeps a .part that is whole already, downloading nothing (416)', async () => {
    await writeFile(partFile(), MODEL);
    await expectWholeModel(await ensureModel(models.dir, source(), { log }));
    expect(server.served.map((s) => [s.range, s.status])).toEqual([[`bytes=${MODEL.length}-`, 416]]);
    expect(server.bodyBytes).toBe(0);
  });

  it('starts over once when what an earlier run left does not verify (another version of the file)', async () => {
    await writeFile(partFile(), randomBytes(1_000_000));
    await expectWholeModel(await ensureModel(models.dir, source(), { log }));
    expect(server.served.map((s) => [s.range, s.status])).toEqual([['bytes=1000000-', 206], [undefined, 200]]);
    expect(warnings().some((msg) => /checksum mismatch.*downloading it again from the start/.test(msg))).toBe(true);
  });

  it('starts over cleanly when the server ignores the Range and sends the whole file', async () => {
    await writeFile(partFile(), MODEL.subarray(0, 1_000_000));
    server.failNext({ ignoreRange: true });
    await expectWholeModel(await ensureModel(models.dir, source(), { log }));
    expect(server.served.map((s) => [s.range, s.status])).toEqual([['bytes=1000000-', 200]]);
    expect(server.bodyBytes).toBe(MODEL.length);
  });

  it('resumes a body that ends early without an error, as one without a Content-Length can', async () => {
    server.failNext({ withoutLength: true, endAfter: 1_000_000 });
    await expectWholeModel(await ensureModel(models.dir, source(), { log }));
    expect(server.served.map((s) => [s.range, s.status])).toEqual([[undefined, 200], ['bytes=1000000-', 206]]);
    expect(warnings().some((msg) => msg.includes('the connection closed before the end of the file; resuming at 1.0 MB'))).toBe(true);
  });

  it('starts over when the server resumes from another place than asked', async () => {
    await writeFile(partFile(), MODEL.subarray(0, 1_000_000));
    server.failNext({ resumeAt: 0 });
    // Nothing to verify against: only the Content-Range tells that the bytes do not continue the part.
    await expectWholeModel(await ensureModel(models.dir, source({ sha256: undefined, bytes: undefined }), { log }));
    expect(server.served.map((s) => [s.range, s.status])).toEqual([['bytes=1000000-', 206], [undefined, 200]]);
  });

  it('starts over when the .part is longer than the file the server has (416 with another size)', async () => {
    await writeFile(partFile(), Buffer.concat([MODEL, Buffer.from('trailing')]));
    // Nothing to verify against: only the size in the 416's Content-Range tells that the part is wrong.
    await expectWholeModel(await ensureModel(models.dir, source({ sha256: undefined, bytes: undefined }), { log }));
    expect(server.served.map((s) => [s.range, s.status])).toEqual([[`bytes=${MODEL.length + 8}-`, 416], [undefined, 200]]);
  });

  it('retries a server error', async () => {
    server.failNext({ status: 503 });
    await expectWholeModel(await ensureModel(models.dir, source(), { log }));
    expect(server.served.map((s) => s.status)).toEqual([503, 200]);
  });

  it('reports progress without a percentage while the size is unknown', async () => {
    server.failNext({ withoutLength: true });
    const reports: DownloadProgress[] = [];
    await expectWholeModel(await ensureModel(models.dir, source({ bytes: undefined }), { log, onProgress: (p) => reports.push(p) }));
    expect(reports.length).toBeGreaterThanOrEqual(2);
    for (const report of reports.slice(0, -1)) expect({ totalBytes: report.totalBytes, percent: report.percent }).toEqual({ totalBytes: null, percent: null });
    expect(reports.at(-1)).toEqual({ file: 'ggml-test.bin', receivedBytes: MODEL.length, totalBytes: MODEL.length, percent: 100 });
  });

  it('resumes a body that stops flowing once the idle timeout passes', async () => {
    server.failNext({ stallAfter: 500_000 });
    await expectWholeModel(await ensureModel(models.dir, source(), { log, idleTimeoutMs: 300 }));
    expect(server.served.map((s) => [s.range, s.status])).toEqual([[undefined, 200], ['bytes=500000-', 206]]);
    expect(warnings().some((msg) => msg.includes('timeout: nothing arrived for 0.3 s; resuming at 500.0 KB'))).toBe(true);
  });

  it('uses a file placed by hand as it is, without the network, warning when its size is unexpected', async () => {
    await writeFile(modelFile(), 'placed by hand');
    expect(await modelState(models.dir, source())).toBe('present');
    expect(await ensureModel(models.dir, source(), { log })).toBe(modelFile());
    expect(await readFile(modelFile(), 'utf8')).toBe('placed by hand');
    expect(server.served).toEqual([]);
    expect(warnings()).toEqual(['the speech model ggml-test.bin is not the expected size; using it as it is']);
  });

  it('refuses a file name that reaches outside the models directory', async () => {
    await expect(ensureModel(models.dir, source({ file: '../escape.bin' }), { log })).rejects.toThrow(/must be a plain file name/);
    expect(server.served).toEqual([]);
  });
});

describe('a model that cannot be fetched', () => {
  it('is never kept when its checksum does not match, and the error says how to place it by hand', async () => {
    const err = await unavailable(ensureModel(models.dir, source({ sha256: '0'.repeat(64) }), { log }));
    expect(err.reason).toMatch(new RegExp(`^checksum mismatch: its sha256 is ${SHA256}, expected 0{64} \\(a corrupt mirror or a tampered file\\)`));
    expect(err.message).toContain(`Download ${server.url('/cdn/model.bin')} on a machine with internet access and copy it to ${modelFile()}`);
    expect(err.path).toBe(modelFile());
    expect(await leftInDir()).toEqual([]);
    expect(server.served).toHaveLength(1); // nothing from an earlier run to blame: no second try
  });

  it('checks the sha1 when that is the checksum known', async () => {
    const sha1 = createHash('sha1').update(MODEL).digest('hex');
    await expectWholeModel(await ensureModel(models.dir, source({ sha256: undefined, sha1: sha1.toUpperCase() }), { log }));
    await rm(modelFile());
    const err = await unavailable(ensureModel(models.dir, source({ sha256: undefined, sha1: 'f'.repeat(40) }), { log }));
    expect(err.reason).toMatch(/^checksum mismatch: its sha1 is /);
  });

  it('names the file, the URL without credentials and the HTTP status on a 404', async () => {
    const url = server.url('/missing.bin').replace('http://', 'http://user:hunter2@') + '?token=s3cret';
    const err = await unavailable(ensureModel(models.dir, source({ url }), { log }));
    expect({ file: err.file, url: err.url, reason: err.reason }).toEqual({
      file: 'ggml-test.bin',
      url: server.url('/missing.bin'),
      reason: 'HTTP 404 Not Found',
    });
    expect(err.message).toBe(
      `Could not download the speech model ggml-test.bin from ${server.url('/missing.bin')}: HTTP 404 Not Found. ` +
        `Download ${server.url('/missing.bin')} on a machine with internet access and copy it to ${modelFile()}`,
    );
    expect(JSON.stringify(logs)).not.toMatch(/hunter2|s3cret/);
    expect(server.served).toHaveLength(1); // a 404 is not retried
    expect(await leftInDir()).toEqual([]);
  });

  it('gives up on endless redirects', async () => {
    const err = await unavailable(ensureModel(models.dir, source({ url: server.url('/endless/0') }), { log }));
    expect(err.reason).toBe('redirected more than 5 times');
    expect(server.served).toHaveLength(6);
  });

  it('says the connection was refused by a closed port', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/model.bin`;
    const err = await unavailable(ensureModel(models.dir, source({ url }), { log }));
    expect(err.reason).toBe('connection refused');
    expect(err.message).toContain(`ggml-test.bin from ${url}: connection refused. Download ${url} on a machine with internet access and copy it to ${modelFile()}`);
    expect(await leftInDir()).toEqual([]);
  });

  it('fails with a timeout after a few tries that get no further, keeping the .part for later', async () => {
    server.failNext({ stallAfter: 500_000 }, { stallAfter: 0 }, { stallAfter: 0 }, { stallAfter: 0 });
    const err = await unavailable(ensureModel(models.dir, source(), { log, idleTimeoutMs: 200 }));
    expect(err.reason).toBe('timeout: nothing arrived for 0.2 s');
    expect(server.served.map((s) => s.range)).toEqual([undefined, 'bytes=500000-', 'bytes=500000-', 'bytes=500000-']);
    expect(await leftInDir()).toEqual(['ggml-test.bin.part']);
    expect((await stat(partFile())).size).toBe(500_000);
  });
});

describe('cancelling', () => {
  it('keeps the .part and releases the lock; the next call resumes it', async () => {
    server.paceMs = 20;
    const stop = new AbortController();
    const reason = new Error('shutting down');
    const pending = ensureModel(models.dir, source(), {
      log,
      signal: stop.signal,
      onProgress: (p) => p.receivedBytes > 0 && stop.abort(reason),
    });
    await expect(pending).rejects.toBe(reason);
    const kept = (await stat(partFile())).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(MODEL.length);
    expect(await leftInDir()).toEqual(['ggml-test.bin.part']);

    server.paceMs = 0;
    await expectWholeModel(await ensureModel(models.dir, source(), { log }));
    expect(server.served.at(-1)?.range).toBe(`bytes=${kept}-`);
  });
});

describe('one download at a time', () => {
  /** ensureModel in its own process. */
  function otherProcess(model: ModelSource) {
    const script = `
      const { ensureModel } = await import('./core/models/model-download.ts');
      const { createLogger } = await import('./core/logger.ts');
      const ensured = await ensureModel(process.env.MODELS_DIR, JSON.parse(process.env.MODEL_SOURCE), { log: createLogger('info') });
      console.log(JSON.stringify({ ensured }));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', MODELS_DIR: models.dir, MODEL_SOURCE: JSON.stringify(model) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, output }));
    return { output: () => output, hasExited: () => child.exitCode !== null || child.signalCode !== null, exited };
  }

  const ensuredBy = (output: string) => output.split('\n').flatMap((line) => (line.startsWith('{"ensured"') ? [(JSON.parse(line) as { ensured: string }).ensured] : []));

  it('two processes at once: one downloads the body, the other waits for it, both get the verified file', async () => {
    const waiting = 'another process is downloading this model; waiting for it';
    // The body holds after its first chunk until the other process waits, or (were the lock broken) asks too.
    let release!: () => void;
    server.gate = new Promise((resolve) => (release = resolve));
    const children = [otherProcess(source()), otherProcess(source())];
    await until('one process to wait for the other', async () =>
      children.some((c) => c.output().includes(waiting) || c.hasExited()) || server.served.length > 1,
    );
    release();
    const both = await Promise.all(children.map((c) => c.exited));
    for (const { code, output } of both) {
      expect(code, output).toBe(0);
      expect(ensuredBy(output)).toEqual([modelFile()]);
    }
    expect(server.served.map((s) => s.status)).toEqual([200]);
    expect(server.bodyBytes).toBe(MODEL.length);
    expect(both.filter(({ output }) => output.includes(waiting))).toHaveLength(1);
    await expectWholeModel(modelFile());
  });

  it('waits for a live holder, showing the model as downloading, until the signal gives up', async () => {
    const held = lockOf(process.pid);
    await writeFile(lockFile(), held);
    expect(await modelState(models.dir, source())).toBe('downloading');
    const waiting = new AbortController();
    const reason = new Error('gave up');
    setTimeout(() => waiting.abort(reason), 300);
    await expect(ensureModel(models.dir, source(), { log, signal: waiting.signal })).rejects.toBe(reason);
    expect(server.served).toEqual([]);
    expect(await readFile(lockFile(), 'utf8')).toBe(held);
    await rm(lockFile());
    expect(await modelState(models.dir, source())).toBe('missing');
  });

  it('takes over at once the lock of a process that is gone from this host', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    await writeFile(lockFile(), lockOf(gone.pid!));
    const started = Date.now();
    await expectWholeModel(await ensureModel(models.dir, source(), { log })); // the default stale limit is 30 s
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(warnings()).toContain('taking over an abandoned model download');
  });

  it('takes over a lock nobody refreshed for longer than the stale limit, though its pid is alive', async () => {
    await writeFile(lockFile(), lockOf(process.pid));
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(lockFile(), minuteAgo, minuteAgo);
    expect(await modelState(models.dir, source())).toBe('missing');
    await expectWholeModel(await ensureModel(models.dir, source(), { log }));
  });

  it('stops writing when another process has taken its lock over, leaving that lock alone', async () => {
    server.paceMs = 25;
    const pending = unavailable(ensureModel(models.dir, source(), { log, lockStaleMs: 300 }));
    await until('the download to be under way', async () => (await stat(partFile()).catch(() => null))?.size);
    const taker = lockOf(process.pid);
    await writeFile(lockFile(), taker);

    expect((await pending).reason).toBe('another process took over the download while this one was stalled');
    const size = (await stat(partFile())).size;
    await sleep(200);
    expect((await stat(partFile())).size).toBe(size); // no more writes
    expect(await readFile(lockFile(), 'utf8')).toBe(taker);
  });
});
