import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Whisper, WhisperFullParams, WhisperSamplingStrategy } from '@napi-rs/whisper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WHISPER_SHAPES, writeWhisperGgml } from './whisper-ggml.js';

/** The writer's files load in whisper.cpp (through @napi-rs/whisper) as the shapes they were written with. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wn-whisper-ggml-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('writeWhisperGgml', () => {
  it('writes a model whisper.cpp loads with the hyper-parameters written, multilingual, and runs it', async () => {
    const file = join(dir, 'micro.bin');
    const { bytes } = await writeWhisperGgml(file, WHISPER_SHAPES.micro);
    expect((await readFile(file)).length).toBe(bytes);
    const whisper = new Whisper(file, { useGpu: false });
    const { micro } = WHISPER_SHAPES;
    expect([whisper.modelNAudioState, whisper.modelNAudioHead, whisper.modelNAudioLayer]).toEqual([micro.nAudioState, micro.nAudioHead, micro.nAudioLayer]);
    expect([whisper.modelNTextState, whisper.modelNTextHead, whisper.modelNTextLayer]).toEqual([micro.nTextState, micro.nTextHead, micro.nTextLayer]);
    expect([whisper.modelNVocab, whisper.modelNAudioCtx, whisper.modelNTextCtx, whisper.modelNMels]).toEqual([51865, 1500, 448, 80]);
    expect(whisper.isMultilingual).toBe(1);

    const params = new WhisperFullParams(WhisperSamplingStrategy.Greedy);
    params.nThreads = 1;
    params.language = 'auto';
    const tone = Float32Array.from({ length: 16_000 * 3 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 16_000));
    expect(typeof whisper.full(params, tone)).toBe('string');
    // A detected language is one whisper.cpp knows.
    expect(Whisper.lang(whisper.fullLangId)).toMatch(/^[a-z]{2,3}$/);
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
