import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TranscriptionOptions } from '../../core/domain/session.js';
import { whisperxResultSchema } from '../../core/domain/transcript.js';
import { createLogger } from '../../core/logger.js';
import type { TranscribeStage } from '../../processor/engines/transcriber.js';
import { WhisperxTranscriber } from '../../processor/engines/whisperx.transcriber.js';
import { expectAppError } from '../helpers/assertions.js';
import { tempDir, type MediaDir } from '../helpers/media.js';
import { makeSilence, makeSpeech, spawnWorker, startWorker, type StubCall, type WorkerProcess } from './worker-process.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';

/**
 * The WhisperX worker of docker/whisperx, run for real as a Python process and driven over HTTP (raw, and
 * through the processor's own client); only the `whisperx` package under it is a stand-in.
 */

const VALID_TOKEN = 'hf_stub_valid';
const SAID: [string, string][] = [
  ['SPEAKER_00', "Okay, let's ship the 2 fixes before the demo."],
  ['SPEAKER_01', 'Anna will write the release notes by Thursday.'],
];

const log = createLogger('silent');
const options = (overrides: Partial<TranscriptionOptions> = {}): TranscriptionOptions => ({ ...DEFAULT_OPTIONS, language: 'en', ...overrides });

let media: MediaDir;
let worker: WorkerProcess;
let speech: string;
const started: WorkerProcess[] = [];

async function start(env: Record<string, string>): Promise<WorkerProcess> {
  const w = await startWorker(media.dir, env);
  started.push(w);
  return w;
}

beforeAll(async () => {
  media = await tempDir('wn-worker-');
  [worker, speech] = await Promise.all([
    start({ HF_TOKEN: VALID_TOKEN }),
    makeSpeech(media.dir, 'meeting', { said: SAID }),
  ]);
});

afterAll(async () => {
  await Promise.all(started.map((w) => w.stop()));
  await media?.cleanup();
});

/** Lines of an NDJSON body, each parsed as strict JSON (a NaN would throw). */
async function* ndjson(body: AsyncIterable<Buffer>): AsyncGenerator<Record<string, unknown>> {
  let pending = '';
  for await (const chunk of body) {
    pending += chunk.toString();
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      yield JSON.parse(pending.slice(0, newline)) as Record<string, unknown>;
      pending = pending.slice(newline + 1);
    }
  }
  expect(pending).toBe('');
}

async function post(w: WorkerProcess, query: string, file: string | Buffer) {
  const body = typeof file === 'string' ? createReadStream(file) : file;
  const length = typeof file === 'string' ? (await stat(file)).size : file.length;
  return request(`${w.url}/v1/transcribe?${query}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'audio/flac', 'content-length': String(length) },
  });
}

async function postLines(w: WorkerProcess, query: string, file: string | Buffer) {
  const response = await post(w, query, file);
  const lines: Record<string, unknown>[] = [];
  for await (const line of ndjson(response.body)) lines.push(line);
  return { status: response.statusCode, headers: response.headers, lines };
}

async function health(w: WorkerProcess) {
  const response = await request(`${w.url}/healthz`);
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

/** Resolves once the worker has let go of its last request (it frees the slot just after answering). */
async function untilIdle(w: WorkerProcess): Promise<void> {
  await expect.poll(async () => (await health(w)).body.busy, { timeout: 10_000 }).toBe(false);
}

/** Through the processor's client, as a job would call it. */
function transcribe(w: WorkerProcess, audioPath: string, opts: TranscriptionOptions = options(), busyWaitMs?: number) {
  const progress: [TranscribeStage, number][] = [];
  const client = new WhisperxTranscriber({ url: w.url, model: 'large-v3', busyWaitMs }, log);
  const result = client.transcribe({ audioPath, durationSeconds: 5, options: opts, onProgress: (s, p) => progress.push([s, p]) });
  return { result, progress };
}

async function expectFailure(promise: Promise<unknown>, code: string, retryable: boolean, sentence: RegExp): Promise<void> {
  expect((await expectAppError(promise, code, retryable)).userMessage).toMatch(sentence);
}

/** The calls a piece of work made: run it, then read what was appended. */
async function callsDuring(w: WorkerProcess, work: () => Promise<unknown>): Promise<StubCall[]> {
  const before = (await w.calls()).length;
  await work();
  return (await w.calls()).slice(before);
}

const batchSizes = (calls: StubCall[]) => calls.filter((c) => c.fn === 'transcribe').map((c) => c.batch_size);

describe('the WhisperX worker', () => {
  // Each test starts on an idle worker, whatever the one before it left running.
  beforeEach(() => untilIdle(worker));

  it('loads the speech model and the diarization pipeline once, at start, and says it is ready', async () => {
    expect(await health(worker)).toEqual({
      status: 200,
      body: { model: 'large-v3', device: 'cpu', compute_type: 'int8', ready: true, busy: false, diarization: true },
    });
    const calls = await worker.calls();
    expect(calls.filter((c) => c.fn === 'load_model')).toEqual([{ fn: 'load_model', arch: 'large-v3', device: 'cpu', compute_type: 'int8' }]);
    expect(calls.filter((c) => c.fn === 'DiarizationPipeline')).toHaveLength(1);
  });

  it('answers with NDJSON progress through every stage, then WhisperX JSON with words and speakers, free of NaN', async () => {
    const calls = await callsDuring(worker, async () => {
      const { status, headers, lines } = await postLines(worker, 'language=en&diarize=true&min_speakers=1&max_speakers=2', speech);
      expect(status).toBe(200);
      expect(headers['content-type']).toBe('application/x-ndjson');

      const progress = lines.slice(0, -1);
      expect(progress.every((l) => l.type === 'progress' && Number.isInteger(l.percent))).toBe(true);
      expect([...new Set(progress.map((l) => l.stage))]).toEqual(['transcribe', 'align', 'diarize']);
      for (const stage of ['transcribe', 'align', 'diarize']) {
        const percents = progress.filter((l) => l.stage === stage).map((l) => l.percent as number);
        expect(percents).toEqual([...percents].sort((a, b) => a - b));
        expect(percents.at(-1)).toBe(100);
      }

      const last = lines.at(-1)!;
      expect(last.type).toBe('result');
      const result = whisperxResultSchema.parse(last.result);
      expect(result.language).toBe('en');
      expect(result.segments.map((s) => [s.speaker, s.text])).toEqual(SAID);
      const words = result.segments[0]!.words!;
      expect(words.find((w) => w.word === '2')).toEqual({ word: '2' });
      // WhisperX left a NaN score there; the worker sends null.
      expect(words.at(-1)).toMatchObject({ word: 'demo.', score: null, speaker: 'SPEAKER_00' });
      expect(result.word_segments).toHaveLength(SAID.flatMap(([, text]) => text.split(' ')).length);
    });
    expect(calls.find((c) => c.fn === 'diarize')).toEqual({ fn: 'diarize', min_speakers: 1, max_speakers: 2 });
  });

  it("serves the processor's client: transcript and progress come back as a job expects", async () => {
    const { result, progress } = transcribe(worker, speech, options({ maxSpeakers: 3 }));
    const transcript = await result;
    expect(transcript.segments.map((s) => s.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_01']);
    expect(progress[0]).toEqual(['transcribe', 0]);
    expect(progress).toContainEqual(['align', 100]);
    expect(progress.at(-1)).toEqual(['diarize', 100]);
  });

  it("detects the language when none is given and aligns with that language's model, once per language", async () => {
    const german = await makeSpeech(media.dir, 'german', { said: [['SPEAKER_00', 'Wir liefern am Donnerstag.']], language: 'de' });
    const calls = await callsDuring(worker, async () => {
      for (let i = 0; i < 2; i++) {
        const transcript = await transcribe(worker, german, options({ language: null, diarize: false })).result;
        expect(transcript.language).toBe('de');
        expect(transcript.segments.flatMap((s) => [s.speaker, ...(s.words ?? []).map((w) => w.speaker)]).filter(Boolean)).toEqual([]);
      }
    });
    expect(calls.filter((c) => c.fn === 'transcribe').map((c) => c.language)).toEqual([null, null]);
    expect(calls.filter((c) => c.fn === 'load_align_model')).toEqual([{ fn: 'load_align_model', language: 'de', device: 'cpu' }]);
    expect(calls.filter((c) => c.fn === 'align').map((c) => c.language)).toEqual(['de', 'de']);
    expect((await worker.calls()).filter((c) => c.fn === 'load_model')).toHaveLength(1);
  });

  it('refuses a language without an alignment model before spending time on it', async () => {
    const calls = await callsDuring(worker, () =>
      expectFailure(transcribe(worker, speech, options({ language: 'cy' })).result, 'TRANSCRIPTION_FAILED', false, /not available for Welsh/),
    );
    expect(calls.map((c) => c.fn)).not.toContain('transcribe');
  });

  it('reports silence as no speech, and a body that is not audio as undecodable', async () => {
    const silence = await makeSilence(media.dir);
    await expectFailure(transcribe(worker, silence).result, 'TRANSCRIPTION_FAILED', false, /No speech was found/);

    const noise = path.join(media.dir, 'noise.flac');
    await writeFile(noise, randomBytes(4096));
    await expectFailure(transcribe(worker, noise).result, 'TRANSCRIPTION_FAILED', false, /could not decode the audio/);
    await untilIdle(worker); // the raw request below is not the client, which would wait for a busy worker
    const { lines } = await postLines(worker, 'language=en', noise);
    expect(lines).toEqual([{ type: 'error', code: 'bad_audio', message: expect.stringMatching(/^the audio could not be decoded/) as unknown }]);
    expect(JSON.stringify(lines)).not.toContain(media.dir);
  });

  it('turns a second recording away with 503 and Retry-After while one is transcribed, then takes it', async () => {
    const release = path.join(media.dir, 'release-first');
    const held = await makeSpeech(media.dir, 'held', { said: SAID, hold: release });
    const first = await post(worker, 'language=en&diarize=false', held);
    const firstLines = ndjson(first.body);
    expect((await firstLines.next()).value).toEqual({ type: 'progress', stage: 'transcribe', percent: 0 });

    const second = await post(worker, 'language=en&diarize=false', speech);
    expect(second.statusCode).toBe(503);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
    expect(await second.body.json()).toMatchObject({ type: 'error', code: 'busy' });
    expect((await health(worker)).body).toMatchObject({ ready: true, busy: true });
    // The processor's client waits for a busy worker, but only as long as it was told to.
    await expectFailure(transcribe(worker, speech, options(), 1000).result, 'TRANSCRIBER_UNAVAILABLE', true, /busy or unreachable/);

    await writeFile(release, '');
    const rest: Record<string, unknown>[] = [];
    for await (const line of firstLines) rest.push(line);
    expect(rest.at(-1)).toMatchObject({ type: 'result', result: { language: 'en' } });
    await expect(transcribe(worker, speech).result).resolves.toMatchObject({ language: 'en' });
  });

  it('is free again after a caller hangs up mid-job', async () => {
    const release = path.join(media.dir, 'release-abandoned');
    const held = await makeSpeech(media.dir, 'abandoned', { said: SAID, hold: release });
    const abandoned = await post(worker, 'language=en&diarize=false', held);
    expect((await ndjson(abandoned.body).next()).value).toMatchObject({ type: 'progress' });
    abandoned.body.destroy();
    await writeFile(release, '');

    await untilIdle(worker);
    await expect(transcribe(worker, speech).result).resolves.toMatchObject({ language: 'en' });
  });

  it('refuses malformed requests with 400 and unknown routes with 404', async () => {
    for (const query of ['diarize=maybe', 'min_speakers=0', 'min_speakers=3&max_speakers=2', 'language=english']) {
      const { status, lines } = await postLines(worker, query, speech);
      expect(status, query).toBe(400);
      expect(lines[0]).toMatchObject({ type: 'error', code: 'bad_request' });
    }
    const empty = await postLines(worker, 'language=en', Buffer.alloc(0));
    expect(empty).toMatchObject({ status: 400, lines: [{ type: 'error', code: 'bad_audio' }] });
    const unknown = await request(`${worker.url}/v2/transcribe`, { method: 'POST', body: 'x' });
    expect(unknown.statusCode).toBe(404);
    await unknown.body.dump();
  });
});

describe('the WhisperX worker on a GPU short of memory', () => {
  it('retries once with half the batch size', async () => {
    const tight = await start({ BATCH_SIZE: '8', STUB_WHISPERX_GPU_MAX_BATCH: '4' });
    const calls = await callsDuring(tight, async () => {
      const transcript = await transcribe(tight, speech, options({ diarize: false })).result;
      expect(transcript.segments.map((s) => s.text)).toEqual(SAID.map(([, text]) => text));
    });
    expect(batchSizes(calls)).toEqual([8, 4]);
    expect(tight.log()).toMatch(/out of memory at batch size 8; retrying once with 4/);
  });

  it('reports gpu_out_of_memory (retryable) when half the batch does not fit either, and stays up', async () => {
    const tighter = await start({ BATCH_SIZE: '8', STUB_WHISPERX_GPU_MAX_BATCH: '2' });
    const calls = await callsDuring(tighter, () =>
      expectFailure(transcribe(tighter, speech, options({ diarize: false })).result, 'TRANSCRIPTION_FAILED', true, /ran out of GPU memory/),
    );
    expect(batchSizes(calls)).toEqual([8, 4]);
    // The failure line reaches the client a moment before the worker frees itself for the next request.
    await vi.waitFor(async () => expect(await health(tighter)).toMatchObject({ status: 200, body: { ready: true, busy: false } }));
  });
});

describe('the WhisperX worker without diarization set up', () => {
  it('without HF_TOKEN, refuses speakers before transcribing and transcribes without them', async () => {
    const tokenless = await start({});
    expect((await health(tokenless)).body).toMatchObject({ ready: true, diarization: false });
    const calls = await callsDuring(tokenless, () =>
      expectFailure(transcribe(tokenless, speech).result, 'TRANSCRIPTION_FAILED', false, /Hugging Face token/),
    );
    expect(calls.map((c) => c.fn)).not.toContain('transcribe');
    await expect(transcribe(tokenless, speech, options({ diarize: false })).result).resolves.toMatchObject({ language: 'en' });
  });

  it('with a token Hugging Face refuses, starts anyway and explains the refusal, never echoing the token', async () => {
    const refused = await start({ HF_TOKEN: 'hf_not_accepted' });
    expect(refused.log()).toMatch(/diarization unavailable/);
    await expectFailure(transcribe(refused, speech).result, 'TRANSCRIPTION_FAILED', false, /Hugging Face token/);
    await untilIdle(refused);
    const { lines } = await postLines(refused, 'language=en&diarize=true', speech);
    expect(lines.at(-1)).toMatchObject({ type: 'error', code: 'diarization_auth' });
    expect(JSON.stringify(lines) + refused.log()).not.toContain('hf_not_accepted');
  });

  it('when the Hugging Face hub cannot be reached, starts anyway and fails speaker jobs as worth retrying', async () => {
    const offline = await start({ HF_TOKEN: 'hf_stub_offline' });
    expect((await health(offline)).body).toMatchObject({ ready: true, diarization: false });
    await expectFailure(transcribe(offline, speech).result, 'TRANSCRIPTION_FAILED', true, /^Transcription failed on the transcription server\.$/);
    await untilIdle(offline); // the raw request below is not the client, which would wait for a busy worker
    const { lines } = await postLines(offline, 'language=en&diarize=true', speech);
    expect(lines.at(-1)).toMatchObject({ type: 'error', code: 'internal_error', message: expect.stringMatching(/couldn't connect/) as unknown });
  });
});

describe('the WhisperX worker process', () => {
  it('stops on an invalid setting with one line naming it', async () => {
    const bad = spawnWorker(media.dir, { BATCH_SIZE: 'lots' });
    expect(await bad.exited).toBe(2);
    expect(bad.log().trim()).toBe('whisperx worker: Invalid environment variable BATCH_SIZE: must be a whole number from 1 to 256');
  });

  it('exits with an error when the model cannot be loaded', async () => {
    const missing = spawnWorker(media.dir, { WHISPERX_MODEL: 'missing-model' });
    expect(await missing.exited).toBe(1);
    expect(missing.log()).toMatch(/could not load the model missing-model on cpu/);
  });

  it('answers health (not ready) and turns recordings away with 503 while the model loads', async () => {
    const loaded = path.join(media.dir, 'model-loaded');
    const loading = spawnWorker(media.dir, { STUB_WHISPERX_LOAD_HOLD: loaded });
    try {
      const port = () => /listening on [\d.]+:(\d+)/.exec(loading.log())?.[1];
      await expect.poll(port, { timeout: 10_000 }).toBeDefined();
      const url = `http://127.0.0.1:${port()}`;
      const early = await request(`${url}/healthz`);
      expect(early.statusCode).toBe(503);
      expect(await early.body.json()).toMatchObject({ model: 'large-v3', ready: false });
      const refused = await request(`${url}/v1/transcribe?language=en`, { method: 'POST', body: 'RIFF' });
      expect(refused.statusCode).toBe(503);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(await refused.body.json()).toMatchObject({ type: 'error', code: 'loading' });

      await writeFile(loaded, '');
      await expect.poll(async () => await request(`${url}/healthz`).then((r) => r.body.json()), { timeout: 10_000 }).toMatchObject({ ready: true });
    } finally {
      loading.child.kill('SIGTERM');
      await loading.exited;
    }
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const w = await startWorker(media.dir);
    expect(await w.stop()).toBe(0);
  });
});
