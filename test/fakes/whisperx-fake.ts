import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { audioDuration } from './openai-fake.js';
import { closeServer, readBody } from '../helpers/http.js';

/**
 * A fake WhisperX worker on 127.0.0.1 speaking the worker contract (docs/architecture.md#whisperx-worker-contract): `POST /v1/transcribe` with
 * FLAC or WAV as the body answers NDJSON progress lines, then a result in WhisperX's real shape — with its
 * quirks on purpose — made from a script of what was "said", timed evenly over the audio's duration.
 */

export interface ScriptLine {
  speaker: string;
  text: string;
}

/** What the next transcription request does instead of succeeding plainly. */
export type FakeFailure =
  /** An error line after the first progress line, as when the worker fails mid-job. */
  | { kind: 'error'; code: string; message?: string }
  /** HTTP 503 with Retry-After, before any streaming: the worker is busy or loading. */
  | { kind: 'unavailable'; retryAfterSeconds?: number }
  /** The connection is cut after the first progress lines, as when the worker crashes. */
  | { kind: 'disconnect' }
  /** The response ends cleanly after the progress lines, with no result. */
  | { kind: 'no-result' }
  /** A pause after the first progress line, then the normal answer. */
  | { kind: 'delay'; ms: number }
  /** The audio is read and never answered, as by a worker that is stuck. */
  | { kind: 'hang' }
  /** The normal answer, each line after a pause: a long recording, progressing. */
  | { kind: 'slow'; lineEveryMs: number }
  /** A result line WhisperX would never write. */
  | { kind: 'invalid-result' };

export interface RecordedTranscribeRequest {
  /** Query parameters as sent; null where absent. */
  query: { language: string | null; diarize: string | null; minSpeakers: string | null; maxSpeakers: string | null };
  contentType: string | null;
  bytes: number;
  /** What the body's magic bytes say it is. */
  format: 'flac' | 'wav' | null;
  durationSeconds: number | null;
}

export interface WhisperxFake {
  /** Base URL, e.g. `http://127.0.0.1:41234`, for `WHISPERX_URL`. */
  url: string;
  requests: RecordedTranscribeRequest[];
  setScript(lines: ScriptLine[]): void;
  /** Failures for the next transcription requests, in order; afterwards requests succeed again. */
  failNext(...failures: FakeFailure[]): void;
  /** A failure for every request `match` picks (all when absent), ahead of failNext's, until cleared with null. */
  always(failure: FakeFailure | null, match?: (request: RecordedTranscribeRequest) => boolean): void;
  /** Resolves when the connection that carried `requests[index]` closes (the client gave up, or the answer ended). */
  connectionClosed(index: number): Promise<void>;
  close(): Promise<void>;
}

export interface WhisperxFakeOptions {
  script?: ScriptLine[];
  model?: string;
  device?: string;
}

export const DEFAULT_SCRIPT: ScriptLine[] = [
  { speaker: 'SPEAKER_00', text: "Okay, let's ship the 2 fixes before the demo." },
  { speaker: 'SPEAKER_00', text: 'Anna, can you write the release notes?' },
  { speaker: 'SPEAKER_01', text: "Yes, I'll have them by Thursday." },
];

export async function startWhisperxFake(opts: WhisperxFakeOptions = {}): Promise<WhisperxFake> {
  const requests: RecordedTranscribeRequest[] = [];
  const failures: FakeFailure[] = [];
  let standing: { failure: FakeFailure; match: (request: RecordedTranscribeRequest) => boolean } | null = null;
  let script = opts.script ?? DEFAULT_SCRIPT;
  const connectionsClosed: Promise<void>[] = [];

  async function transcribe(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    // Not events.once: it rejects on the socket's 'error' (a client killed mid-request resets it), and 'close' follows any error.
    const socketClosed = new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
    const body = await readBody(req);
    const format = audioFormat(body);
    const record: RecordedTranscribeRequest = {
      query: {
        language: query.get('language'),
        diarize: query.get('diarize'),
        minSpeakers: query.get('min_speakers'),
        maxSpeakers: query.get('max_speakers'),
      },
      contentType: req.headers['content-type'] ?? null,
      bytes: body.length,
      format,
      durationSeconds: format ? audioDuration(body) : null,
    };
    requests.push(record);
    connectionsClosed.push(socketClosed);

    const failure = standing?.match(record) ? standing.failure : failures.shift();
    if (failure?.kind === 'hang') return;
    if (failure?.kind === 'unavailable') {
      const retryAfter = String(failure.retryAfterSeconds ?? 5);
      return sendJson(res, 503, { type: 'error', code: 'busy', message: 'worker is busy' }, { 'retry-after': retryAfter });
    }
    if (!format) return sendJson(res, 400, { type: 'error', code: 'bad_audio', message: 'expected FLAC or WAV audio' });
    const invalid = invalidQuery(record.query);
    if (invalid) return sendJson(res, 400, { type: 'error', code: 'bad_request', message: invalid });

    const diarize = record.query.diarize === 'true';
    const language = record.query.language ?? 'en';
    const duration = record.durationSeconds || 2 * script.length;

    // Stops pauses and writes once the client has gone, as a worker's request handler would notice.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const progress = [
      ['transcribe', 0], ['transcribe', 50], ['transcribe', 100], ['align', 100],
      ...(diarize ? [['diarize', 100]] : []),
    ] as const;
    for (const [i, [stage, percent]] of progress.entries()) {
      if (failure?.kind === 'slow') await sleep(failure.lineEveryMs, undefined, { signal: gone.signal }).catch(() => {});
      await writeLine(res, JSON.stringify({ type: 'progress', stage, percent }));
      if (i === 0 && failure?.kind === 'error') {
        await writeLine(res, JSON.stringify({ type: 'error', code: failure.code, message: failure.message ?? failure.code }));
        return void res.end();
      }
      if (i === 0 && failure?.kind === 'delay') await sleep(failure.ms, undefined, { signal: gone.signal }).catch(() => {});
      if (i === 1 && failure?.kind === 'disconnect') return void res.socket?.destroy();
      if (gone.signal.aborted) return;
    }
    if (failure?.kind === 'no-result') return void res.end();
    const result = failure?.kind === 'invalid-result' ? { segments: [{ start: 'soon', text: 42 }] } : whisperxResult(script, duration, { language, diarize });
    await writeLine(res, `{"type":"result","result":${pythonJson(result)}}`);
    res.end();
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    if (req.method === 'POST' && url.pathname === '/v1/transcribe') return transcribe(req, res, url.searchParams);
    if (req.method === 'GET' && url.pathname === '/healthz') {
      return sendJson(res, 200, { model: opts.model ?? 'large-v3', device: opts.device ?? 'cuda', ready: true });
    }
    sendJson(res, 404, { detail: 'Not Found' });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { type: 'error', code: 'fake_failed', message: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setScript(lines) {
      script = lines;
    },
    failNext(...next) {
      failures.push(...next);
    },
    always(failure, match = () => true) {
      standing = failure && { failure, match };
    },
    connectionClosed: (index) => connectionsClosed[index] ?? Promise.reject(new Error(`no transcription request ${index}`)),
    close: () => closeServer(server),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Each line goes out in two writes a turn apart, split by bytes, so clients meet lines (and characters) cut across chunks. */
async function writeLine(res: ServerResponse, line: string): Promise<void> {
  if (res.destroyed) return;
  const bytes = Buffer.from(`${line}\n`);
  const half = Math.ceil(bytes.length / 2);
  res.write(bytes.subarray(0, half));
  await nextTurn();
  if (!res.destroyed) res.write(bytes.subarray(half));
}

function audioFormat(body: Buffer): RecordedTranscribeRequest['format'] {
  if (body.toString('latin1', 0, 4) === 'fLaC') return 'flac';
  if (body.toString('latin1', 0, 4) === 'RIFF' && body.toString('latin1', 8, 12) === 'WAVE') return 'wav';
  return null;
}

function invalidQuery(q: RecordedTranscribeRequest['query']): string | null {
  if (q.diarize !== null && q.diarize !== 'true' && q.diarize !== 'false') return `diarize must be true or false, not ${q.diarize}`;
  for (const [name, value] of [['min_speakers', q.minSpeakers], ['max_speakers', q.maxSpeakers]] as const) {
    if (value !== null && !/^[1-9]\d*$/.test(value)) return `${name} must be a positive integer, not ${value}`;
  }
  return null;
}

// ---- WhisperX's output shape (v3.8), quirks included. ----

interface FakeWord {
  word: string;
  start?: number;
  end?: number;
  score?: number;
  speaker?: string;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Script lines share the first 95% of the audio evenly; the rest holds a segment that failed alignment.
 * Quirks, as WhisperX writes them: words of digits or symbols carry only `word` (the alignment model has no
 * characters for them); the first word of the second segment has no `speaker` (no diarization turn
 * overlapped it); the last word of the first segment scores NaN; without diarization nothing has a speaker.
 */
function whisperxResult(script: ScriptLine[], duration: number, opts: { language: string; diarize: boolean }) {
  const slot = (duration * 0.95) / Math.max(1, script.length);
  const segments: Record<string, unknown>[] = script.map((line, index) => {
    const start = index * slot + slot * 0.02;
    const end = (index + 1) * slot - slot * 0.02;
    const tokens = line.text.split(/\s+/).filter(Boolean);
    const step = (end - start) / Math.max(1, tokens.length);
    const words = tokens.map((token, k): FakeWord => {
      if (!/\p{L}/u.test(token)) return { word: token };
      const word: FakeWord = { word: token, start: round3(start + k * step), end: round3(start + (k + 0.85) * step), score: round3(0.8 + (k % 4) * 0.05) };
      if (opts.diarize && !(index === 1 && k === 0)) word.speaker = line.speaker;
      return word;
    });
    if (index === 0 && words.length > 0) words[words.length - 1]!.score = NaN;
    return {
      start: round3(start),
      end: round3(end),
      text: line.text,
      words,
      avg_logprob: round3(-0.2 - index * 0.03),
      ...(opts.diarize ? { speaker: line.speaker } : {}),
    };
  });
  segments.push({ start: round3(duration * 0.96), end: round3(duration * 0.99), text: ' ¿', words: [], chars: null, avg_logprob: -1.27 });
  const wordSegments = segments.flatMap((s) => s.words as FakeWord[]);
  return { segments, word_segments: wordSegments, language: opts.language };
}

const NAN_MARK = '__python_nan__';

/** JSON as Python's json.dumps writes it: NaN as a bare token. */
function pythonJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (Number.isNaN(v) ? NAN_MARK : v)).replaceAll(`"${NAN_MARK}"`, 'NaN');
}
