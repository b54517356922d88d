import { once } from 'node:events';
import { stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TranscriptionOptions } from '../../core/domain/session.js';
import { createLogger } from '../../core/logger.js';
import { DEFAULT_SCRIPT, startWhisperxFake, type WhisperxFake } from '../../test/fakes/whisperx-fake.js';
import { run, tempDir, type MediaDir } from '../../test/helpers/media.js';
import type { TranscribeStage } from './transcriber.js';
import { WhisperxTranscriber } from './whisperx.transcriber.js';
import { expectAppError } from '../../test/helpers/assertions.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';

const log = createLogger('silent');

const options = (overrides: Partial<TranscriptionOptions> = {}): TranscriptionOptions => ({ ...DEFAULT_OPTIONS, language: 'en', ...overrides });

async function makeAudio(dir: string, name: string, codec: string[]): Promise<string> {
  const out = path.join(dir, name);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=6', '-ac', '1', '-ar', '16000', ...codec, out]);
  return out;
}

describe('WhisperX transcriber', () => {
  let fake: WhisperxFake;
  let media: MediaDir;
  let flac: string;
  let wav: string;
  let transcriber: WhisperxTranscriber;

  beforeAll(async () => {
    fake = await startWhisperxFake({ model: 'large-v3', device: 'cuda' });
    media = await tempDir();
    flac = await makeAudio(media.dir, 'audio.flac', ['-sample_fmt', 's16', '-c:a', 'flac']);
    wav = await makeAudio(media.dir, 'audio.wav', ['-c:a', 'pcm_s16le']);
    transcriber = new WhisperxTranscriber({ url: fake.url, model: 'large-v3' }, log);
  });
  afterAll(async () => {
    await fake.close();
    await media.cleanup();
  });

  const transcribe = (audioPath: string, opts: TranscriptionOptions = options(), signal?: AbortSignal) => {
    const progress: [TranscribeStage, number][] = [];
    const result = transcriber.transcribe({
      audioPath,
      durationSeconds: 6,
      options: opts,
      onProgress: (stage, percent) => progress.push([stage, percent]),
      signal,
    });
    return { result, progress };
  };

  it('sends the audio with the options and returns what was said, with speakers and WhisperX quirks', async () => {
    fake.setScript(DEFAULT_SCRIPT);
    const { result, progress } = transcribe(flac, options({ minSpeakers: 2, maxSpeakers: 3 }));
    const transcript = await result;

    expect(fake.requests.at(-1)).toMatchObject({
      query: { language: 'en', diarize: 'true', minSpeakers: '2', maxSpeakers: '3' },
      contentType: 'audio/flac',
      bytes: (await stat(flac)).size,
      format: 'flac',
    });
    expect(fake.requests.at(-1)?.durationSeconds).toBeCloseTo(6, 1);
    expect(progress).toEqual([
      ['transcribe', 0], ['transcribe', 50], ['transcribe', 100], ['align', 100], ['diarize', 100],
    ]);

    expect(transcript.language).toBe('en');
    expect(transcript.segments.map((s) => s.text)).toEqual([...DEFAULT_SCRIPT.map((l) => l.text), ' ¿']);
    expect(transcript.segments.map((s) => s.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_00', 'SPEAKER_01', undefined]);
    expect(transcript.segments.every((s) => s.start < s.end && s.end <= 6)).toBe(true);
    const [first, second, , unaligned] = transcript.segments;
    expect(first?.words?.find((w) => w.word === '2')).toEqual({ word: '2' });
    expect(first?.words?.at(-1)).toMatchObject({ word: 'demo.', score: null });
    expect(second?.words?.[0]).toMatchObject({ word: 'Anna,' });
    expect(second?.words?.[0]?.speaker).toBeUndefined();
    expect(second?.words?.[1]).toMatchObject({ word: 'can', speaker: 'SPEAKER_00' });
    expect(unaligned?.words).toEqual([]);
    expect(transcript.word_segments).toHaveLength(DEFAULT_SCRIPT.flatMap((l) => l.text.split(' ')).length);
  });

  it('leaves language detection to the worker, skips speakers when not asked, and sends WAV as WAV', async () => {
    fake.setScript([{ speaker: 'SPEAKER_00', text: 'Grüße aus Köln — ¿qué tal? 5 € pro Person.' }]);
    const { result, progress } = transcribe(wav, options({ language: null, diarize: false }));
    const transcript = await result;

    expect(fake.requests.at(-1)).toMatchObject({
      query: { language: null, diarize: 'false', minSpeakers: null, maxSpeakers: null },
      contentType: 'audio/wav',
      format: 'wav',
    });
    expect(progress.map(([stage]) => stage)).not.toContain('diarize');
    expect(transcript.segments[0]?.text).toBe('Grüße aus Köln — ¿qué tal? 5 € pro Person.');
    expect(transcript.segments.flatMap((s) => [s.speaker, ...(s.words ?? []).map((w) => w.speaker)]).filter(Boolean)).toEqual([]);
  });

  it('waits for a busy worker (503 + Retry-After) instead of failing, within the wait it is given', async () => {
    const before = fake.requests.length;
    fake.failNext({ kind: 'unavailable', retryAfterSeconds: 0 }, { kind: 'unavailable', retryAfterSeconds: 0 });
    await expect(transcribe(flac).result).resolves.toMatchObject({ language: 'en' });
    expect(fake.requests.length - before).toBe(3);

    const impatient = new WhisperxTranscriber({ url: fake.url, model: null, busyWaitMs: 100 }, log);
    fake.failNext({ kind: 'unavailable', retryAfterSeconds: 7 });
    await expectAppError(
      impatient.transcribe({ audioPath: flac, durationSeconds: 6, options: options(), onProgress: () => {} }),
      'TRANSCRIBER_UNAVAILABLE',
      true,
    );
  });

  it('reports an unreachable worker as retryable', async () => {

    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as { port: number };
    closed.close();
    await once(closed, 'close');
    const refused = new WhisperxTranscriber({ url: `http://127.0.0.1:${port}`, model: null }, log);
    await expectAppError(
      refused.transcribe({ audioPath: flac, durationSeconds: 6, options: options(), onProgress: () => {} }),
      'TRANSCRIBER_UNAVAILABLE',
      true,
    );
  });

  it('reports a response cut short, or one that ends without a result, as retryable', async () => {
    fake.failNext({ kind: 'disconnect' });
    const cut = transcribe(flac);
    await expectAppError(cut.result, 'TRANSCRIBER_UNAVAILABLE', true);
    expect(cut.progress.length).toBeGreaterThan(0);

    fake.failNext({ kind: 'no-result' });
    await expectAppError(transcribe(flac).result, 'TRANSCRIBER_UNAVAILABLE', true);
  });

  it.each([
    ['no_align_model', false, /Word timings are not available for Icelandic/],
    ['diarization_auth', false, /Hugging Face token/],
    ['gpu_out_of_memory', true, /ran out of GPU memory/],
    ['no_speech', false, /No speech was found/],
    ['something_new', true, /^Transcription failed on the transcription server\.$/],
  ])('explains the worker error %s', async (code, retryable, sentence) => {
    fake.failNext({ kind: 'error', code, message: 'Traceback (most recent call last): …' });
    const err = await expectAppError(transcribe(flac, options({ language: 'is' })).result, 'TRANSCRIPTION_FAILED', retryable);
    expect(err.userMessage).toMatch(sentence);
    expect(err.userMessage).not.toContain('Traceback');
  });

  it('fails clearly on audio the worker cannot take and on a result in an unexpected shape', async () => {
    const notAudio = path.join(media.dir, 'notes.flac');
    await writeFile(notAudio, 'not audio at all');
    const refused = await expectAppError(transcribe(notAudio).result, 'TRANSCRIPTION_FAILED', false);
    expect(refused.userMessage).toMatch(/could not decode the audio/);

    fake.failNext({ kind: 'invalid-result' });
    const unreadable = await expectAppError(transcribe(flac).result, 'TRANSCRIPTION_FAILED', false);
    expect(unreadable.userMessage).toMatch(/could not read/);
  });

  it('stops waiting when the signal aborts', async () => {
    // Far longer than the test may run: only the abort can end this request in time.
    fake.failNext({ kind: 'delay', ms: 120_000 });
    const controller = new AbortController();
    const { result, progress } = transcribe(flac, options(), controller.signal);
    const outcome = result.catch((e: unknown) => e);
    await expect.poll(() => progress.length, { timeout: 10_000 }).toBeGreaterThan(0);
    controller.abort();
    expect(await outcome).toMatchObject({ name: 'AbortError' });
  });

  it('the fake worker reports its model and readiness', async () => {
    const health = await fetch(`${fake.url}/healthz`).then((r) => r.json());
    expect(health).toEqual({ model: 'large-v3', device: 'cuda', ready: true });
  });
});
