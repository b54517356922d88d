import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TranscriptionOptions } from '../../../core/domain/session.js';
import { AppError } from '../../../core/errors.js';
import { createLogger } from '../../../core/logger.js';
import type { LocalModel } from '../../../core/models/catalog.js';
import { ModelProvider } from '../../../core/models/model-provider.js';
import { run, tempDir, type MediaDir } from '../../../test/helpers/media.js';
import { microWhisperModel } from '../../../test/helpers/models/local-models.js';
import type { TranscribeStage } from '../transcriber.js';
import { InferenceHost } from './inference-host.js';
import { SPEAKERS_UNAVAILABLE, WhisperCppTranscriber } from './whisper-cpp.transcriber.js';
import type { WhisperProgress, WhisperResult, WhisperTask } from './whisper.protocol.js';

/** The local speech engine for real: whisper.cpp in its child process, on a random-weight ggml model. */

const log = createLogger('silent');
const exec = promisify(execFile);
const options: TranscriptionOptions = { language: null, diarize: true, minSpeakers: null, maxSpeakers: null, prompt: null, model: null };
let work: MediaDir;
let modelPath: string;
let speech: string;
let long: string;
let short: string;
let hosts: Array<InferenceHost<WhisperTask, WhisperResult, WhisperProgress>> = [];

const speechModel = (file: string): LocalModel => ({ kind: 'speech', name: file, path: file, source: null });

function transcriber(file = modelPath, idleMs = 60_000) {
  const host = new InferenceHost<WhisperTask, WhisperResult, WhisperProgress>({
    name: 'whisper.cpp',
    entry: new URL('./whisper.worker.ts', import.meta.url),
    idleMs,
    log,
  });
  hosts.push(host);
  // One thread: two would oversubscribe this machine's two cores while other test files run.
  return { host, engine: new WhisperCppTranscriber(new ModelProvider(speechModel(file), log), host, { threads: 1 }, log) };
}

beforeAll(async () => {
  work = await tempDir('wn-whisper-cpp-');
  modelPath = await microWhisperModel();
  const wav = path.join(work.dir, 'speech.wav');
  await run('espeak-ng', ['-w', wav, 'Anna will write the release notes by Friday. Ben ships the fixes.']);
  // 80 s: two parts of at most 60 s, cut where it is quiet.
  speech = path.join(work.dir, 'speech.flac');
  await run('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '-1', '-i', wav, '-t', '80', '-ar', '16000', '-ac', '1', speech]);
  short = path.join(work.dir, 'short.flac');
  await run('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-ar', '16000', '-ac', '1', short]);
  long = path.join(work.dir, 'long.flac');
  await run('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '-1', '-i', wav, '-t', '1800', '-ar', '16000', '-ac', '1', long]);
}, 60_000);

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  hosts = [];
  await work?.cleanup();
});

describe('WhisperCppTranscriber (whisper.cpp on a random-weight model)', () => {
  it('transcribes in parts with progress: segments with word times inside the audio, the detected language', async () => {
    const { engine, host } = transcriber();
    const progress: Array<[TranscribeStage, number]> = [];
    const result = await engine.transcribe({ audioPath: speech, durationSeconds: 80, options, onProgress: (s, p) => progress.push([s, p]) });

    expect(result.language).toMatch(/^[a-z]{2,3}$/);
    const words = result.segments.flatMap((s) => s.words ?? []);
    expect(words.length).toBeGreaterThan(0);
    for (const segment of result.segments) {
      expect(segment.text.trim()).not.toBe('');
      expect(segment.start).toBeLessThanOrEqual(segment.end);
      expect(segment.end).toBeLessThanOrEqual(80);
      expect(segment.words!.length).toBeGreaterThan(0);
      for (const word of segment.words!) {
        expect(word.start!).toBeGreaterThanOrEqual(segment.start);
        expect(word.end!).toBeLessThanOrEqual(segment.end);
      }
    }
    // One report per part (at most 60 s each), rising to the whole recording.
    const percents = progress.map(([, p]) => p);
    expect(progress.every(([stage]) => stage === 'transcribe')).toBe(true);
    expect(percents.length).toBe(2);
    expect(percents[0]).toBeGreaterThan(60); // the first part ends in its last 8 s: 52–60 s of 80
    expect(percents[0]).toBeLessThanOrEqual(75);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBeCloseTo(100, 0);
    // The model stays loaded for the next recording.
    expect(host.loaded).toBe(true);
    expect(engine.speakerNote).toBe(SPEAKERS_UNAVAILABLE);
  }, 120_000);

  it('transcribes in the language asked for, and runs one recording at a time', async () => {
    const { engine, host } = transcriber();
    const asked = { ...options, language: 'de' };
    const first = engine.transcribe({ audioPath: short, durationSeconds: 5, options: asked, onProgress: () => {} });
    const second = engine.transcribe({ audioPath: short, durationSeconds: 5, options: asked, onProgress: () => {} });
    await expect.poll(() => host.pending).toBe(2);
    const [a, b] = await Promise.all([first, second]);
    expect([a.language, b.language]).toEqual(['de', 'de']);
    expect(host.pending).toBe(0);
  }, 60_000);

  it('stops within a second of a cancel, mid-recording, and the next recording still runs', async () => {
    const { engine, host } = transcriber();
    const controller = new AbortController();
    let reported = 0;
    const running = engine.transcribe({
      audioPath: long,
      durationSeconds: 1800,
      options,
      signal: controller.signal,
      onProgress: () => void reported++,
    });
    // Also a second recording waiting its turn: cancelled while queued, it never starts.
    const queued = new AbortController();
    const waiting = engine.transcribe({ audioPath: short, durationSeconds: 5, options, signal: queued.signal, onProgress: () => {} });
    await expect.poll(() => reported, { timeout: 60_000 }).toBeGreaterThan(0);
    queued.abort(new AppError('CANCELLED', 'cancelled'));
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });

    const cancelledAt = Date.now();
    controller.abort(new AppError('CANCELLED', 'cancelled'));
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - cancelledAt).toBeLessThan(1000);
    expect(host.loaded).toBe(false);
    expect(reported).toBeLessThan(10); // far from the 30 parts of the half hour

    const after = await engine.transcribe({ audioPath: short, durationSeconds: 5, options, onProgress: () => {} });
    expect(after.language).toMatch(/^[a-z]{2,3}$/); // it ran (a random model may hear no word in 5 s)
  }, 120_000);

  it('fails a job whose engine process dies (a crash, the OOM killer) as retryable, and starts a new engine for the next', async () => {
    const { engine, host } = transcriber();
    let reported = 0;
    const running = engine.transcribe({ audioPath: long, durationSeconds: 1800, options, onProgress: () => void reported++ });
    await expect.poll(() => reported, { timeout: 60_000 }).toBeGreaterThan(0);
    const { stdout } = await exec('ps', ['--ppid', String(process.pid), '-o', 'pid=,args=']);
    const pids = stdout.split('\n').filter((l) => l.includes('whisper.worker.ts')).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await expect(running).rejects.toMatchObject({ code: 'TRANSCRIPTION_FAILED', retryable: true });
    expect(host.loaded).toBe(false);
    const after = await engine.transcribe({ audioPath: short, durationSeconds: 5, options, onProgress: () => {} });
    expect(after.language).toMatch(/^[a-z]{2,3}$/);
  }, 120_000);

  it('unloads the model after the idle time', async () => {
    const { engine, host } = transcriber(modelPath, 300);
    await engine.transcribe({ audioPath: short, durationSeconds: 5, options, onProgress: () => {} });
    expect(host.loaded).toBe(true);
    await expect.poll(() => host.loaded, { timeout: 5000 }).toBe(false);
  }, 60_000);

  it('fails with a sentence naming the file when the model is not there, and TRANSCRIPTION_FAILED for a file that is no model', async () => {
    const missing = path.join(work.dir, 'nowhere', 'ggml-base.bin');
    await expect(transcriber(missing).engine.transcribe({ audioPath: short, durationSeconds: 5, options, onProgress: () => {} })).rejects.toMatchObject({
      code: 'MODEL_UNAVAILABLE',
      userMessage: expect.stringContaining(missing) as unknown,
    });
    await expect(transcriber(speech).engine.transcribe({ audioPath: short, durationSeconds: 5, options, onProgress: () => {} })).rejects.toMatchObject({
      code: 'TRANSCRIPTION_FAILED',
    });
  }, 60_000);
});
