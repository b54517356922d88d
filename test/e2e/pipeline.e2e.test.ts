import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../core/app.js';
import { parseRefPath } from '../../core/domain/storage-layout.js';
import { summaryDocumentSchema, todosDocumentSchema } from '../../core/domain/todos.js';
import { formatTimestamp, storedTranscriptSchema } from '../../core/domain/transcript.js';
import { runCli } from '../../cli/cli.js';
import type { SessionJson } from '../../cli/format.js';
import { statusPageUrl } from '../../core/links.js';
import { replies } from '../fakes/openai-fake.js';
import { DEFAULT_SCRIPT } from '../fakes/whisperx-fake.js';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness.js';

const MAX_MEDIA_BYTES = 3_000_000;

let h: PipelineHarness;
let core: Core;
let video: string;
let links: { url: string; hits: string[]; close(): Promise<void> };
let forbidden: { port: number; connections: number; close(): Promise<void> };

/** Serves the media directory on 127.0.0.1 (the one allow-listed address), with a redirect and an endless route. */
async function startLinkServer(dir: string) {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    serve(req, res).catch(() => res.destroy());
  });
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(url.pathname);
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
      return;
    }
    if (url.pathname === '/big-chunked.mp4') {
      // No Content-Length: the cap must hold while streaming.
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.write(await readFile(video));
      const junk = Buffer.alloc(256 * 1024, 7);
      for (let i = 0; i < 20 && !res.destroyed; i++) res.write(junk);
      res.end();
      return;
    }
    const file = path.join(dir, path.basename(url.pathname));
    try {
      const info = await stat(file);
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': info.size });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end('not found');
    }
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A listener on loopback addresses outside the allow-list that counts connections: it must see none. */
async function startForbiddenTarget() {
  let connections = 0;
  const v4 = http.createServer((_req, res) => res.end('secret'));
  const v6 = http.createServer((_req, res) => res.end('secret'));
  for (const s of [v4, v6]) s.on('connection', () => connections++);
  await new Promise<void>((r) => v4.listen(0, '127.0.0.2', r));
  const port = (v4.address() as AddressInfo).port;
  await new Promise<void>((r) => v6.listen(port, '::1', r));
  return {
    port,
    get connections() {
      return connections;
    },
    close: async () => {
      await new Promise<void>((r) => v4.close(() => r()));
      await new Promise<void>((r) => v6.close(() => r()));
    },
  };
}

function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return runCli(args, core, { out: (l) => out.push(l), err: (l) => err.push(l) }, 100).then((code) => ({ code, out, err }));
}

async function storedOriginals(sessionId: string): Promise<boolean> {
  for (const ext of ['mp4', 'mov', 'webm', 'mkv', 'mp3', 'wav']) {
    if (await core.store.exists(core.layout.original(sessionId, ext))) return true;
  }
  return false;
}

beforeAll(async () => {
  h = await startPipelineHarness({ MAX_MEDIA_BYTES: String(MAX_MEDIA_BYTES), JOB_MAX_ATTEMPTS: '2' });
  ({ core, video } = h);
  links = await startLinkServer(h.media.dir);
  forbidden = await startForbiddenTarget();
});

afterAll(async () => {
  await Promise.all([links?.close(), forbidden?.close()]);
  await h?.close();
});

describe('a recording submitted from the command line', () => {
  it('comes back with a transcript, a summary and todos, stored and recorded', async () => {
    const { code, out, err } = await cli(['submit', video, '--wait', '--json', '--language', 'en']);
    expect(err.join('\n')).not.toMatch(/Failed/);
    expect(code).toBe(0);
    const result = JSON.parse(out.join('\n')) as SessionJson;
    expect(result.status).toBe('COMPLETED');
    const id = result.id;

    // The session row points at every file and knows what was received.
    const session = (await core.sessionService.get(id))!;
    expect(session).toMatchObject({ status: 'COMPLETED', stage: 'done', percent: 100, filename: 'meeting.mp4', contentType: 'video/mp4', language: 'en', errorCode: null });
    expect(session.sizeBytes).toBe((await stat(video)).size);
    expect(session.durationSeconds).toBeGreaterThan(3);
    expect(session.videoPath).toBe(`${h.config.s3.buckets.videos}/${id}/original.mp4`);
    expect(await core.store.exists(parseRefPath(session.videoPath!))).toBe(true);

    // The worker got 16 kHz mono FLAC of the whole recording and the options.
    const sent = h.whisperx.requests.at(-1)!;
    expect(sent).toMatchObject({ format: 'flac', query: { language: 'en', diarize: 'true' } });
    expect(sent.durationSeconds).toBeCloseTo(session.durationSeconds!, 0);

    // transcript.json keeps WhisperX's shape with its quirks, plus our fields.
    const transcript = storedTranscriptSchema.parse(await core.store.getJson(parseRefPath(session.transcriptPath!)));
    expect(transcript).toMatchObject({ session_id: id, engine: 'whisperx', language: 'en' });
    // What was said, and not the worker's trailing " ¿" segment (punctuation only: no speech).
    expect(transcript.segments.map((s) => s.text)).toEqual(DEFAULT_SCRIPT.map((l) => l.text));
    expect(transcript.segments.flatMap((s) => s.words).some((w) => w.start === undefined)).toBe(true);
    expect(transcript.segments.flatMap((s) => s.words).some((w) => w.speaker === undefined)).toBe(true);

    // todos.json has its documented shape (docs/architecture.md#stored-results); every todo cites segments that exist, at their real time.
    const todos = todosDocumentSchema.parse(await core.store.getJson(parseRefPath(session.todosPath!)));
    const summary = summaryDocumentSchema.parse(await core.store.getJson(core.layout.summary(id)));
    expect(todos.session_id).toBe(id);
    expect(todos.todos.length).toBeGreaterThan(0);
    expect(todos.todos.map((t) => t.task).join(' ')).toMatch(/release notes/i);
    for (const todo of todos.todos) {
      const cited = todo.segments.map((n) => transcript.segments.find((s) => s.id === n));
      expect(cited.every(Boolean)).toBe(true);
      expect(todo.timestamp).toBe(formatTimestamp(cited[0]!.start));
    }
    expect(todos.metadata.total_todos).toBe(todos.todos.length);
    expect(summary.summary.length).toBeGreaterThan(0);
    expect(result.todos).toEqual(todos);

    // Progress went through every stage in order, numbered, never backwards, ending COMPLETED.
    const events = await h.progressOf(id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const stages = [...new Set(events.map((e) => e.stage))];
    expect(stages).toEqual(['upload', 'queued', 'audio', 'transcribe', 'align', 'diarize', 'todos', 'done']);
    const percents = events.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', stage: 'done', percent: 100 });
    expect(await core.bus.latest(id)).toEqual(events.at(-1));
  });

  it('prints progress and the todos when waiting without --json', async () => {
    const { code, out, err } = await cli(['submit', video, '--wait', '--no-diarize']);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^[0-9a-f-]{36}$/);
    const { publicBaseUrl, linkSecret } = h.config.web;
    expect(err[0]).toBe(`Status page: ${statusPageUrl(publicBaseUrl, out[0]!, linkSecret!)}`);
    expect(out.join('\n')).toMatch(/Todos \(0 of \d+ done\)\n {2}\[ \] .*release notes/i);
    expect(err.some((l) => /transcribe/.test(l))).toBe(true);
    expect(h.whisperx.requests.at(-1)!.query.diarize).toBe('false');
  });

  it('works from a link, and status and delete manage the session', async () => {
    const submitted = await cli(['submit', `${links.url}/redirect?to=/meeting.mp4`, '--wait']);
    expect(submitted.code).toBe(0);
    const id = submitted.out[0]!;
    expect((await core.sessionService.get(id))?.sourceKind).toBe('link');

    const status = await cli(['status', id, '--json']);
    expect(JSON.parse(status.out.join('\n'))).toMatchObject({ id, status: 'COMPLETED', todos: { session_id: id } });
    const shown = (await cli(['status', id, '--transcript'])).out.join('\n');
    expect(shown).toContain(`Page      ${statusPageUrl(h.config.web.publicBaseUrl, id, h.config.web.linkSecret!)}`);
    expect(shown).toMatch(/\nTranscript\n {2}\[\d{2}:\d{2}:\d{2}\] \S/);

    const deleted = await cli(['delete', id]);
    expect(deleted.code).toBe(0);
    expect(await core.sessionService.get(id)).toBeNull();
    expect(await core.store.exists(core.layout.original(id, 'mp4'))).toBe(false);
    expect(await core.store.exists(core.layout.todos(id))).toBe(false);
    expect(await core.bus.latest(id)).toBeNull();
    expect((await cli(['status', id])).code).toBe(1);
  });
});

describe('bad input gets a clear answer and leaves nothing behind', () => {
  async function refused(target: string) {
    const { code, out, err } = await cli(['submit', target, '--json']);
    const result = JSON.parse(out.join('\n')) as SessionJson;
    return { code, err, result, stored: await storedOriginals(result.id) };
  }

  it('a text file named .mp4', async () => {
    const file = path.join(h.media.dir, 'notes.mp4');
    await writeFile(file, 'Agenda: 1. budget 2. hiring\n'.repeat(200));
    const r = await refused(file);
    expect(r.code).toBe(1);
    expect(r.result).toMatchObject({ status: 'FAILED', error: { code: 'UNSUPPORTED_MEDIA' } });
    expect(r.result.error!.message).toMatch(/isn't a video or audio recording/);
    expect(r.stored).toBe(false);
  });

  it('a truncated video', async () => {
    const whole = await readFile(video);
    const file = path.join(h.media.dir, 'truncated.mp4');
    await writeFile(file, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = await refused(file);
    expect(r.result).toMatchObject({ status: 'FAILED', error: { code: 'CORRUPT_MEDIA' } });
    expect(r.stored).toBe(false);
  });

  it('a file over the size cap, known up front or found while streaming', async () => {
    const file = path.join(h.media.dir, 'huge.mp4');
    await writeFile(file, Buffer.concat([await readFile(video), Buffer.alloc(MAX_MEDIA_BYTES)]));
    const local = await refused(file);
    expect(local.result).toMatchObject({ status: 'FAILED', error: { code: 'MEDIA_TOO_LARGE' } });
    expect(local.result.error!.message).toMatch(/limit is 3\.0 MB/);
    expect(local.stored).toBe(false);

    const streamed = await refused(`${links.url}/big-chunked.mp4`);
    expect(streamed.result).toMatchObject({ status: 'FAILED', error: { code: 'MEDIA_TOO_LARGE' } });
    expect(streamed.stored).toBe(false);
  });

  it('a dead link', async () => {
    const r = await refused(`${links.url}/missing.mp4`);
    expect(r.result).toMatchObject({ status: 'FAILED', error: { code: 'LINK_NOT_FOUND' } });
  });

  it.each([
    ['127.0.0.2', (p: number) => `http://127.0.0.2:${p}/meeting.mp4`],
    ['[::1]', (p: number) => `http://[::1]:${p}/meeting.mp4`],
    ['[::ffff:127.0.0.2]', (p: number) => `http://[::ffff:127.0.0.2]:${p}/meeting.mp4`],
    ['2130706434 (decimal 127.0.0.2)', (p: number) => `http://2130706434:${p}/meeting.mp4`],
    ['a redirect to 127.0.0.2', (p: number) => `${links.url}/redirect?to=${encodeURIComponent(`http://127.0.0.2:${p}/meeting.mp4`)}`],
  ])('a link to %s outside the allow-list is refused before any connection', async (_name, link) => {
    const r = await refused(link(forbidden.port));
    expect(r.result).toMatchObject({ status: 'FAILED', error: { code: 'LINK_FORBIDDEN' } });
    expect(r.result.error!.message).not.toMatch(/127\.0\.0\.2|::1/);
    expect(forbidden.connections).toBe(0);
  });
});

describe('a failing LLM', () => {
  it('is retried when its answer breaks the schema, then fails clearly, keeping the transcript', async () => {
    h.openai.always('chat', replies.schemaBreaking());
    try {
      const { code, out } = await cli(['submit', video, '--wait', '--json']);
      const result = JSON.parse(out.join('\n')) as SessionJson;
      expect(code).toBe(1);
      expect(result).toMatchObject({ status: 'FAILED', error: { code: 'LLM_INVALID_OUTPUT' } });
      expect(result.error!.message!.length).toBeGreaterThan(20);
      expect(await core.store.exists(core.layout.transcript(result.id))).toBe(true);
      expect(await core.store.exists(core.layout.todos(result.id))).toBe(false);
      const events = await h.progressOf(result.id);
      expect(events.at(-1)).toMatchObject({ status: 'FAILED', stage: 'todos', error: { code: 'LLM_INVALID_OUTPUT' } });
    } finally {
      h.openai.always('chat', null);
    }
  });
});
