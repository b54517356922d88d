import path from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { ModelSource } from './model-download.js';

/**
 * The models the local engines can fetch by name, and how a LOCAL_*_MODEL value becomes a file: a path is
 * used as it is; a name or a reference becomes a file under MODELS_DIR, downloaded once when missing.
 */

export type ModelKind = 'speech' | 'llm';

export interface LocalModel {
  kind: ModelKind;
  /** What the user configured, for messages and the start-up log. */
  name: string;
  /** Where the engine loads it from. */
  path: string;
  /** Where it comes from when it is missing; null when the user gave a path (nothing to download). */
  source: ModelSource | null;
}

export const MODEL_LABELS: Record<ModelKind, string> = { speech: 'the speech model', llm: 'the language model' };

/** The variable that names each kind's model. */
export const MODEL_VARIABLES: Record<ModelKind, string> = { speech: 'LOCAL_WHISPER_MODEL', llm: 'LOCAL_LLM_MODEL' };

interface CatalogEntry {
  /** Path under the download base URL (Hugging Face's `owner/repo/resolve/revision/file` layout). */
  path: string;
  bytes?: number;
  sha1?: string;
  sha256?: string;
}

/**
 * whisper.cpp's ggml conversions (ggerganov/whisper.cpp on Hugging Face), with the SHA-1 sums whisper.cpp
 * publishes for them. All multilingual but the `.en` ones.
 */
const WHISPER_MODELS: Record<string, { sha1: string; bytes?: number }> = {
  tiny: { sha1: 'bd577a113a864445d4c299885e0cb97d4ba92b5f' },
  'tiny.en': { sha1: 'c78c86eb1a8faa21b369bcd33207cc90d64ae9df' },
  base: { sha1: '465707469ff3a37a2b9b8d8f89f2f99de7299dac', bytes: 147_951_465 },
  'base.en': { sha1: '137c40403d78fd54d454da0f9bd998f78703390c' },
  'base-q8_0': { sha1: '7bb89bb49ed6955013b166f1b6a6c04584a20fbe' },
  small: { sha1: '55356645c2b361a969dfd0ef2c5a50d530afd8d5' },
  'small.en': { sha1: 'db8a495a91d927739e50b3fc1cc4c6b8f6c2d022' },
  medium: { sha1: 'fd9727b6e1217c2f614f9b698455c4ffd82463b4' },
  'medium.en': { sha1: '8c30f0e44ce9560643ebd10bbe50cd20eafd3723' },
  'large-v3': { sha1: 'ad82bf6a9043ceed055076d0fd39f5f186ff8062' },
  'large-v3-turbo': { sha1: '4af2b29d7ec73d781377bfd1758ca957a807e941', bytes: 1_624_555_275 },
  'large-v3-turbo-q5_0': { sha1: 'e050f7970618a659205450ad97eb95a18d69c9ee' },
};

const whisperEntry = (name: string, known: { sha1: string; bytes?: number }): CatalogEntry => ({
  path: `ggerganov/whisper.cpp/resolve/main/ggml-${name}.bin`,
  ...known,
});

/**
 * Instruction-tuned GGUF models that follow a JSON schema well enough for meeting notes, pinned by
 * SHA-256 (the default first; see README, "Local AI").
 */
const LLM_MODELS: Record<string, CatalogEntry> = {
  'qwen2.5-1.5b': {
    path: 'Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/91cad51170dc346986eccefdc2dd33a9da36ead9/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    bytes: 1_117_320_736,
    sha256: '6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e',
  },
  'qwen2.5-3b': {
    path: 'Qwen/Qwen2.5-3B-Instruct-GGUF/resolve/main/qwen2.5-3b-instruct-q4_k_m.gguf',
    bytes: 2_104_932_768,
    sha256: '626b4a6678b86442240e33df819e00132d3ba7dddfe1cdc4fbb18e0a9615c62d',
  },
};

export const CATALOGUE: Record<ModelKind, readonly string[]> = {
  speech: Object.keys(WHISPER_MODELS),
  llm: Object.keys(LLM_MODELS),
};

/** A value that names a file on disk rather than a model to fetch. */
function isPath(value: string, extension: string): boolean {
  return value.startsWith('/') || value.startsWith('./') || value.startsWith('../') || value.endsWith(extension);
}

function source(kind: ModelKind, baseUrl: string, entry: CatalogEntry): ModelSource {
  const file = entry.path.split('/').pop()!;
  return {
    label: MODEL_LABELS[kind],
    file,
    url: new URL(entry.path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString(),
    bytes: entry.bytes,
    sha1: entry.sha1,
    sha256: entry.sha256,
  };
}

/** The speech model LOCAL_WHISPER_MODEL names: a catalogue name, or the path of a ggml `.bin`. */
export function speechModel(local: Config['local']): LocalModel {
  const name = local.whisperModel;
  if (isPath(name, '.bin')) return { kind: 'speech', name, path: path.resolve(name), source: null };
  const known = WHISPER_MODELS[name];
  if (!known) {
    throw new ConfigError(
      `Invalid environment variable LOCAL_WHISPER_MODEL: "${name}" is neither a known model (${CATALOGUE.speech.join(', ')}) nor a path to a ggml .bin`,
    );
  }
  const src = source('speech', local.downloadBaseUrl, whisperEntry(name, known));
  return { kind: 'speech', name, path: path.resolve(local.modelsDir, src.file), source: src };
}

/**
 * The LLM LOCAL_LLM_MODEL names: a catalogue name, `hf:owner/repo/file.gguf` (fetched from the download
 * base, not verified by a checksum), an http(s) URL of a `.gguf`, or the path of one.
 */
export function llmModel(local: Config['local']): LocalModel {
  const name = local.llmModel;
  const unverified = (url: string): LocalModel => {
    const file = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    if (!file.endsWith('.gguf')) throw new ConfigError(`Invalid environment variable LOCAL_LLM_MODEL: "${name}" does not name a .gguf file`);
    return { kind: 'llm', name, path: path.resolve(local.modelsDir, file), source: { label: MODEL_LABELS.llm, file, url } };
  };
  if (/^https?:\/\//.test(name)) return unverified(name);
  const hf = /^hf:([^/\s]+)\/([^/\s]+)\/(.+\.gguf)$/.exec(name);
  if (hf) return unverified(new URL(`${hf[1]}/${hf[2]}/resolve/main/${hf[3]}`, `${local.downloadBaseUrl.replace(/\/$/, '')}/`).toString());
  if (isPath(name, '.gguf')) return { kind: 'llm', name, path: path.resolve(name), source: null };
  const entry = LLM_MODELS[name];
  if (!entry) {
    throw new ConfigError(
      `Invalid environment variable LOCAL_LLM_MODEL: "${name}" is neither a known model (${CATALOGUE.llm.join(', ')}), hf:owner/repo/file.gguf, a URL, nor a path to a .gguf`,
    );
  }
  const src = source('llm', local.downloadBaseUrl, entry);
  return { kind: 'llm', name, path: path.resolve(local.modelsDir, src.file), source: src };
}
