import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { CATALOGUE, llmModel, speechModel } from './catalog.js';

const local = (env: Record<string, string> = {}) => loadConfig({ DATA_DIR: '/srv/wn', ...env }).local;

describe('the model catalogue', () => {
  it('turns a whisper.cpp name into its file under MODELS_DIR, fetched from the download base with its SHA-1', () => {
    expect(speechModel(local())).toEqual({
      kind: 'speech',
      name: 'base',
      path: '/srv/wn/models/ggml-base.bin',
      source: {
        label: 'the speech model',
        file: 'ggml-base.bin',
        url: 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.bin',
        bytes: 147_951_465,
        sha1: '465707469ff3a37a2b9b8d8f89f2f99de7299dac',
        sha256: undefined,
      },
    });
    const mirrored = speechModel(local({ LOCAL_WHISPER_MODEL: 'large-v3-turbo', MODELS_DOWNLOAD_URL: 'https://mirror.example/hf', MODELS_DIR: '/m' }));
    expect(mirrored.path).toBe('/m/ggml-large-v3-turbo.bin');
    expect(mirrored.source?.url).toBe('https://mirror.example/hf/ggerganov/whisper.cpp/resolve/main/ggml-large-v3-turbo.bin');
  });

  it('pins the default LLM by revision and SHA-256', () => {
    const model = llmModel(local());
    expect(model.name).toBe('qwen2.5-1.5b');
    expect(model.path).toBe('/srv/wn/models/qwen2.5-1.5b-instruct-q4_k_m.gguf');
    expect(model.source).toMatchObject({
      label: 'the language model',
      url: expect.stringMatching(/^https:\/\/huggingface\.co\/Qwen\/Qwen2\.5-1\.5B-Instruct-GGUF\/resolve\/[0-9a-f]{40}\/qwen2\.5-1\.5b-instruct-q4_k_m\.gguf$/) as unknown,
      bytes: 1_117_320_736,
      sha256: '6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e',
    });
    expect(CATALOGUE.llm).toContain('qwen2.5-3b');
  });

  it('uses a path as it is, with nothing to download', () => {
    expect(speechModel(local({ LOCAL_WHISPER_MODEL: './my/ggml-custom.bin' }))).toEqual({
      kind: 'speech',
      name: './my/ggml-custom.bin',
      path: path.resolve('my/ggml-custom.bin'),
      source: null,
    });
    expect(llmModel(local({ LOCAL_LLM_MODEL: '/opt/models/notes.gguf' }))).toMatchObject({ path: '/opt/models/notes.gguf', source: null });
  });

  it('fetches hf: references and URLs of .gguf files without a checksum to check', () => {
    const hf = llmModel(local({ LOCAL_LLM_MODEL: 'hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf' }));
    expect(hf.path).toBe('/srv/wn/models/Llama-3.2-3B-Instruct-Q4_K_M.gguf');
    expect(hf.source).toEqual({
      label: 'the language model',
      file: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf',
      url: 'https://huggingface.co/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    });
    const url = llmModel(local({ LOCAL_LLM_MODEL: 'https://models.example/notes%20v2.gguf' }));
    expect(url.path).toBe('/srv/wn/models/notes v2.gguf');
  });

  it.each([
    [{ LOCAL_WHISPER_MODEL: 'huge' }, speechModel, /LOCAL_WHISPER_MODEL: "huge" is neither a known model \(tiny, .*base.*\)/],
    [{ LOCAL_LLM_MODEL: 'gpt-5' }, llmModel, /LOCAL_LLM_MODEL: "gpt-5" is neither a known model \(qwen2\.5-1\.5b, qwen2\.5-3b\)/],
    [{ LOCAL_LLM_MODEL: 'https://models.example/readme.txt' }, llmModel, /does not name a \.gguf file/],
  ])('refuses %o with one line naming the variable', (env, resolve, message) => {
    expect(() => resolve(local(env))).toThrow(ConfigError);
    expect(() => resolve(local(env))).toThrow(message);
  });
});
