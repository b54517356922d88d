import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Whisper, WhisperFullParams, WhisperSamplingStrategy, type Segment } from '@napi-rs/whisper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WHISPER_SHAPES, writeWhisperGgml } from './whisper-ggml.js';

/** The writer's files load in whisper.cpp (through @napi-rs/whisper) as the shapes they were written with, and run. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wn-whisper-ggml-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

/** 16 kHz mono: a 220 Hz tone under seeded white noise. */
function toneAndNoise(seconds: number): Float32Array {
  let s = 7;
  return Float32Array.from({ length: 16_000 * seconds }, (_, i) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return 0.3 * Math.sin((2 * Math.PI * 220 * i) / 16_000) + 0.1 * ((s / 2 ** 32) * 2 - 1);
  });
}

/**
 * full() runs synchronously and returns the segments' texts concatenated; the segments themselves
 * (centisecond start/end) only come through onNewSegment, whose calls are queued for the event loop
 * and arrive after full() has returned. Wait until their texts add up to full()'s.
 */
async function transcribe(whisper: Whisper, params: WhisperFullParams, audio: Float32Array) {
  const segments: Segment[] = [];
  params.onNewSegment = (segment) => segments.push(segment);
  const text = whisper.full(params, audio);
  const squash = (s: string) => s.replace(/\s+/g, '');
  const deadline = Date.now() + 5_000;
  while (squash(segments.map((s) => s.text).join('')) !== squash(text)) {
    if (Date.now() > deadline) throw new Error(`segments ${JSON.stringify(segments)} do not add up to ${JSON.stringify(text)}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { text, segments };
}

describe('writeWhisperGgml', () => {
  let micro: string;
  let whisper: Whisper;
  beforeAll(async () => {
    micro = join(dir, 'micro.bin');
    const { bytes } = await writeWhisperGgml(micro, WHISPER_SHAPES.micro);
    expect((await stat(micro)).size).toBe(bytes);
    whisper = new Whisper(micro, { useGpu: false });
  });

  it('writes a model whisper.cpp loads with the hyper-parameters written, multilingual, f16', () => {
    const shape = WHISPER_SHAPES.micro;
    expect([whisper.modelNAudioState, whisper.modelNAudioHead, whisper.modelNAudioLayer]).toEqual([shape.nAudioState, shape.nAudioHead, shape.nAudioLayer]);
    expect([whisper.modelNTextState, whisper.modelNTextHead, whisper.modelNTextLayer]).toEqual([shape.nTextState, shape.nTextHead, shape.nTextLayer]);
    expect([whisper.modelNVocab, whisper.nVocab, whisper.modelNAudioCtx, whisper.modelNTextCtx, whisper.modelNMels]).toEqual([51865, 51865, 1500, 448, 80]);
    expect(whisper.isMultilingual).toBe(1);
    expect(whisper.modelFtype).toBe(1);
  });

  it('transcribes audio into readable text segments with timestamps (2 threads)', async () => {
    const params = new WhisperFullParams(WhisperSamplingStrategy.Greedy);
    params.nThreads = 2;
    params.language = 'en';
    const { text, segments } = await transcribe(whisper, params, toneAndNoise(5));

    expect(text.trim()).not.toBe('');
    expect(segments.length).toBeGreaterThan(0);
    for (const { text: segmentText, start, end } of segments) {
      expect(segmentText).toMatch(/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u); // text pieces, not control bytes
      expect(Number.isInteger(start) && Number.isInteger(end)).toBe(true);
      // Centiseconds inside the one 30-s window 5 s of audio make.
      expect(0 <= start && start <= end && end <= 3000).toBe(true);
    }
  });

  it('detects a language whisper.cpp knows', () => {
    const params = new WhisperFullParams(WhisperSamplingStrategy.Greedy);
    params.nThreads = 2;
    params.language = 'auto';
    params.detectLanguage = true; // detect only: full() returns after the language step
    expect(whisper.full(params, toneAndNoise(3))).toBe('');
    expect(Whisper.lang(whisper.fullLangId)).toMatch(/^[a-z]{2,3}$/);
  });

  it('writes an f32 model (ftype 0) whisper.cpp loads', async () => {
    const file = join(dir, 'micro-f32.bin');
    const { bytes } = await writeWhisperGgml(file, WHISPER_SHAPES.micro, { ftype: 'f32' });
    expect((await stat(file)).size).toBe(bytes);
    expect(bytes).toBeGreaterThan((await stat(micro)).size);
    const f32 = new Whisper(file, { useGpu: false });
    expect([f32.modelFtype, f32.modelNAudioLayer, f32.modelNTextState]).toEqual([0, WHISPER_SHAPES.micro.nAudioLayer, WHISPER_SHAPES.micro.nTextState]);
  });

  it('writes the same bytes for the same seed and other bytes for another', async () => {
    const [a, b, c] = [join(dir, 'a.bin'), join(dir, 'b.bin'), join(dir, 'c.bin')];
    await writeWhisperGgml(a, WHISPER_SHAPES.micro, { seed: 7 });
    await writeWhisperGgml(b, WHISPER_SHAPES.micro, { seed: 7 });
    await writeWhisperGgml(c, WHISPER_SHAPES.micro, { seed: 8 });
    expect(await sha256(a)).toBe(await sha256(b));
    expect(await sha256(a)).not.toBe(await sha256(c));
  });

  it('refuses a shape whisper.cpp could not run', async () => {
    await expect(writeWhisperGgml(join(dir, 'bad.bin'), { ...WHISPER_SHAPES.micro, nTextState: 96 })).rejects.toThrow(/nAudioState must equal nTextState/);
    await expect(writeWhisperGgml(join(dir, 'bad.bin'), { ...WHISPER_SHAPES.micro, nAudioLayer: 0 })).rejects.toThrow(/positive integer/);
  });
});
