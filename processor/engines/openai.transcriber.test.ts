import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TranscriptionOptions } from '../../core/domain/session.js';
import type { WhisperxResult } from '../../core/domain/transcript.js';
import { AppError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { audioDuration, replies, startOpenAIFake, type OpenAIFake } from '../../test/fakes/openai-fake.js';
import { run, tempDir, type MediaDir } from '../../test/helpers/media.js';
import { OpenAITranscriber, type OpenAITranscriberOptions } from './openai.transcriber.js';
import type { TranscribeRequest, TranscribeStage } from './transcriber.js';

const logger = createLogger('silent');
const SAID = 'Hello team. Can you send the report by Friday? I will check the numbers.';

const options = (o: Partial<TranscriptionOptions> = {}): TranscriptionOptions => ({
  language: 'en',
  diarize: false,
  minSpeakers: null,
  maxSpeakers: null,
  prompt: null,
  model: null,
  ...o,
});

describe('OpenAITranscriber', () => {
  let media: MediaDir;
  let speechFlac: string;
  let speechSeconds: number;
  let noiseFlac: string;
  let halfSilentFlac: string;
  const NOISE_SECONDS = 12;
  let fake: OpenAIFake;

  beforeAll(async () => {
    media = await tempDir();
    const wav = path.join(media.dir, 'speech.wav');
    speechFlac = path.join(media.dir, 'speech.flac');
    noiseFlac = path.join(media.dir, 'noise.flac');
    halfSilentFlac = path.join(media.dir, 'half-silent.flac');
    await run('espeak-ng', ['-w', wav, SAID]);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, '-ac', '1', '-ar', '16000', '-c:a', 'flac', speechFlac]);
    // Noise barely compresses, so its size is predictable: about 30 kB a second.
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `anoisesrc=duration=${NOISE_SECONDS}:sample_rate=16000:amplitude=0.5`,
      '-ac', '1', '-c:a', 'flac', noiseFlac,
    ]);
    // Silence, then noise: slices planned by average size come out uneven.
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `anoisesrc=duration=${NOISE_SECONDS}:sample_rate=16000:amplitude=0.5,volume=enable='lt(t,${NOISE_SECONDS / 2})':volume=0`,
      '-ac', '1', '-c:a', 'flac', halfSilentFlac,
    ]);
    speechSeconds = audioDuration(await readFile(speechFlac))!;
  });
  afterAll(async () => {
    await media.cleanup();
  });
  beforeEach(async () => {
    fake = await startOpenAIFake({ transcriptText: SAID });
  });
  afterEach(async () => {
    await fake.close();
  });

  const transcriber = (o: Partial<OpenAITranscriberOptions> = {}) =>
    new OpenAITranscriber({ baseURL: fake.baseURL, apiKey: 'sk-test', model: 'whisper-1', ...o }, logger);
  const request = (audioPath: string, durationSeconds: number, o: Partial<TranscribeRequest> = {}): TranscribeRequest => ({
    audioPath,
    durationSeconds,
    options: options(),
    onProgress: () => {},
    ...o,
  });

  it('sends the audio in one verbose_json request and returns segments with their words', async () => {
    const progress: Array<[TranscribeStage, number]> = [];
    const result = await transcriber().transcribe(
      request(speechFlac, speechSeconds, { options: options({ prompt: 'Acme Corp weekly' }), onProgress: (s, p) => progress.push([s, p]) }),
    );

    expect(fake.requests).toHaveLength(1);
    const upload = fake.requests[0]!.upload!;
    expect(upload.fields).toMatchObject({
      model: ['whisper-1'],
      response_format: ['verbose_json'],
      'timestamp_granularities[]': ['word', 'segment'],
      language: ['en'],
      prompt: ['Acme Corp weekly'],
    });
    expect(upload.file!.size).toBe((await stat(speechFlac)).size);

    expect(result.language).toBe('en'); // whisper-1 says "english"
    expect(result.segments.map((s) => s.text)).toEqual(['Hello team.', 'Can you send the report by Friday?', 'I will check the numbers.']);
    for (const s of result.segments) {
      expect(s.speaker).toBeUndefined();
      expect(s.words!.map((w) => w.word).join(' ')).toBe(s.text.replace(/[.,!?]/g, ''));
      for (const w of s.words!) {
        expect(w.start!).toBeGreaterThanOrEqual(s.start);
        expect(w.end!).toBeLessThanOrEqual(s.end);
      }
    }
    expect(result.word_segments).toHaveLength(SAID.split(' ').length);
    expect(result.segments.at(-1)!.end).toBeCloseTo(speechSeconds, 0);
    expect(progress.at(0)).toEqual(['transcribe', 0]);
    expect(progress.at(-1)).toEqual(['transcribe', 100]);
  });

  it('splits audio over the upload limit into slices, each under it, on the recording clock', async () => {
    const maxUploadBytes = 120_000;
    expect((await stat(noiseFlac)).size).toBeGreaterThan(2 * maxUploadBytes);
    const progress: number[] = [];
    const result = await transcriber({ maxUploadBytes }).transcribe(
      request(noiseFlac, NOISE_SECONDS, { options: options({ prompt: 'Acme' }), onProgress: (_, p) => progress.push(p) }),
    );

    const uploads = expectSlicedCoverage(result, maxUploadBytes);
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    // Later slices carry the user's prompt and the end of what came before.
    expect(uploads[0]!.fields.prompt).toEqual(['Acme']);
    expect(uploads[1]!.fields.prompt![0]).toMatch(/^Acme .*numbers\.$/);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
  });

  it('halves a slice that still exceeds the limit', async () => {
    const maxUploadBytes = 120_000;
    const result = await transcriber({ maxUploadBytes }).transcribe(request(halfSilentFlac, NOISE_SECONDS));
    // Planned: three 4 s slices; the last (all noise) is too big and goes as two.
    const uploads = expectSlicedCoverage(result, maxUploadBytes);
    expect(uploads.map((u) => Math.round(u.durationSeconds!))).toEqual([4, 4, 2, 2]);
  });

  /** Every upload under the limit, together the whole recording; results in order on the recording's clock. */
  function expectSlicedCoverage(result: WhisperxResult, maxUploadBytes: number) {
    const uploads = fake.requests.map((r) => r.upload!);
    for (const u of uploads) expect(u.file!.size).toBeLessThanOrEqual(maxUploadBytes);
    expect(uploads.reduce((sum, u) => sum + u.durationSeconds!, 0)).toBeCloseTo(NOISE_SECONDS, 1);
    // Each slice said the whole text; put back together, times only move forward and span the recording.
    expect(result.segments).toHaveLength(3 * uploads.length);
    const times = result.segments.flatMap((s) => [s.start, s.end]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const wordTimes = result.word_segments!.flatMap((w) => [w.start!, w.end!]);
    expect(wordTimes).toEqual([...wordTimes].sort((a, b) => a - b));
    expect(result.segments[0]!.start).toBe(0);
    expect(result.segments.at(-1)!.end).toBeGreaterThan(NOISE_SECONDS - 1);
    expect(result.segments.at(-1)!.end).toBeLessThanOrEqual(NOISE_SECONDS);
    return uploads;
  }

  it('reads WAV uploads too', async () => {
    const wav = path.join(media.dir, 'speech.wav');
    const result = await transcriber().transcribe(request(wav, speechSeconds));
    expect(fake.requests[0]!.upload!.durationSeconds).toBeCloseTo(speechSeconds, 1);
    expect(result.segments).toHaveLength(3);
  });

  it('fails with TRANSCRIPTION_FAILED when the service refuses the upload as too large', async () => {
    await fake.close();
    fake = await startOpenAIFake({ maxUploadBytes: 10_000 });
    const err = await transcriber().transcribe(request(speechFlac, speechSeconds)).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'TRANSCRIPTION_FAILED', retryable: false });
    expect((err as AppError).userMessage).toMatch(/413.*Maximum content size/);
  });

  it('fails with TRANSCRIPTION_FAILED when the answer is not verbose_json', async () => {
    fake.script('transcriptions', { status: 200, body: { text: 'hi', segments: 'none' } });
    const err = await transcriber().transcribe(request(speechFlac, speechSeconds)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSCRIPTION_FAILED', retryable: false });
  });

  it('reports TRANSCRIBER_UNAVAILABLE (retryable) after the SDK retries a failing service', async () => {
    fake.always('transcriptions', replies.serverError());
    const err = await transcriber({ sdkMaxRetries: 1 }).transcribe(request(speechFlac, speechSeconds)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSCRIBER_UNAVAILABLE', retryable: true });
    expect(fake.requests).toHaveLength(2);
  });

  it('reports a refused key at once, naming OPENAI_API_KEY', async () => {
    await fake.close();
    fake = await startOpenAIFake({ apiKey: 'sk-right' });
    const err = await transcriber({ apiKey: 'sk-wrong' }).transcribe(request(speechFlac, speechSeconds)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSCRIBER_UNAVAILABLE', retryable: false });
    expect((err as AppError).userMessage).toMatch(/OPENAI_API_KEY/);
    expect(fake.requests).toHaveLength(1);
  });
});
