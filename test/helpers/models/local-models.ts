import { mkdir, rename, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LLAMA_SHAPES, writeLlamaGguf } from './gguf.js';
import { WHISPER_SHAPES, writeWhisperGgml } from './whisper-ggml.js';

/**
 * Random-weight models in the real formats, small enough to run in a unit test: written once per machine
 * boot into the temp directory (same seed, same bytes), so each test file does not pay for them again.
 */
const DIR = path.join(os.tmpdir(), 'wn-test-models-v1');

async function once(file: string, write: (target: string) => Promise<unknown>): Promise<string> {
  const target = path.join(DIR, file);
  const whole = await stat(target).then((s) => s.size > 0, () => false);
  if (!whole) {
    await mkdir(DIR, { recursive: true });
    // Written aside and renamed, so a parallel test file never loads half a model.
    const part = `${target}.${process.pid}.part`;
    await write(part);
    await rename(part, target);
  }
  return target;
}

/** A whisper.cpp ggml `.bin`: multilingual vocabulary, one encoder and one decoder layer. */
export const microWhisperModel = () => once('ggml-micro.bin', (p) => writeWhisperGgml(p, WHISPER_SHAPES.micro));

/** A llama-architecture `.gguf` chat model (ChatML template), two layers of 128. */
export const microLlamaModel = () => once('llama-micro.gguf', (p) => writeLlamaGguf(p, LLAMA_SHAPES.micro));
