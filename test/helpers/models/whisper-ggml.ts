/**
 * Writes whisper.cpp models in the legacy ggml `.bin` format (`ggml-base.bin` & co.) with real
 * shapes and a readable vocabulary but RANDOM weights. `@napi-rs/whisper` (whisper.cpp v1.7.2)
 * loads them and runs `full()` exactly as on a trained model; only the text is noise. No weights
 * can be downloaded in tests, so this is what the local speech engine is tested and timed with.
 *
 * Layout, as read by `whisper_model_load` (src/whisper.cpp) and written by
 * models/convert-pt-to-ggml.py, all little-endian:
 *   u32 magic 0x67676d6c ("ggml")
 *   i32 n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
 *       n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype (0 = f32, 1 = f16)
 *   i32 n_mel, i32 n_fft (201), f32[n_mel * n_fft]            mel filter bank
 *   i32 n_tokens, then per token: u32 len, bytes              vocabulary (ids 0..n_tokens-1)
 *   per tensor: i32 n_dims, i32 name_len, i32 type (0 f32 / 1 f16), i32 ne[n_dims] (ggml order,
 *               i.e. the PyTorch shape reversed), name bytes, raw data
 * The loader finds tensors by name (order is free, but every one must be present, with the
 * exact shape and element size it expects).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { toHalf } from './half-float.js';

export interface WhisperShape {
  nAudioState: number;
  nAudioHead: number;
  nAudioLayer: number;
  nTextState: number;
  nTextHead: number;
  /** Not 2 (with nVocab != 51866): whisper.cpp takes that for distil-whisper and forces no_timestamps. */
  nTextLayer: number;
  /** 80, or 128 for large-v3. */
  nMels?: number;
  /** 51865 = multilingual (the default), 51864 = English-only, 51866 = large-v3. */
  nVocab?: number;
  /** 1500: 30 s of audio after conv2's stride 2. whisper.cpp's 30-s windowing assumes it. */
  nAudioCtx?: number;
  nTextCtx?: number;
}

export const WHISPER_SHAPES = {
  tiny: { nAudioState: 384, nAudioHead: 6, nAudioLayer: 4, nTextState: 384, nTextHead: 6, nTextLayer: 4 },
  base: { nAudioState: 512, nAudioHead: 8, nAudioLayer: 6, nTextState: 512, nTextHead: 8, nTextLayer: 6 },
  small: { nAudioState: 768, nAudioHead: 12, nAudioLayer: 12, nTextState: 768, nTextHead: 12, nTextLayer: 12 },
  /**
   * For unit tests. Contexts stay 1500/448 and the vocabulary multilingual, so windows, timestamps
   * and special tokens behave as in real models. NOT 2 text layers: whisper.cpp takes
   * n_text_layer == 2 for a distil-whisper model and silently forces no_timestamps.
   */
  micro: { nAudioState: 64, nAudioHead: 2, nAudioLayer: 1, nTextState: 64, nTextHead: 2, nTextLayer: 1 },
} satisfies Record<'tiny' | 'base' | 'small' | 'micro', WhisperShape>;

export interface WriteWhisperGgmlOptions {
  /** PRNG seed; the same seed and shape give a byte-identical file. */
  seed?: number;
  /** 'f16' (default) is what the published ggml-*.bin files are. */
  ftype?: 'f16' | 'f32';
  /** Weights are uniform in ±scale (default 0.02) so activations stay finite. */
  scale?: number;
}

const GGML_MAGIC = 0x67676d6c;
const N_FFT_BINS = 201; // 1 + WHISPER_N_FFT/2 (n_fft = 400 at 16 kHz)
const TYPE_F32 = 0;
const TYPE_F16 = 1;

export async function writeWhisperGgml(
  filePath: string,
  shape: WhisperShape,
  opts: WriteWhisperGgmlOptions = {},
): Promise<{ bytes: number }> {
  // Tensor data is written through typed arrays, i.e. in host byte order; ggml files are little-endian.
  if (endianness() !== 'LE') throw new Error('writeWhisperGgml: little-endian hosts only');
  const hp = resolveShape(shape);
  const f16 = (opts.ftype ?? 'f16') === 'f16';
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 0.02;

  const fh = await open(filePath, 'w');
  try {
    const w = new ChunkWriter(fh);

    w.u32(GGML_MAGIC);
    for (const v of [
      hp.nVocab, hp.nAudioCtx, hp.nAudioState, hp.nAudioHead, hp.nAudioLayer,
      hp.nTextCtx, hp.nTextState, hp.nTextHead, hp.nTextLayer, hp.nMels, f16 ? 1 : 0,
    ]) w.i32(v);

    w.i32(hp.nMels);
    w.i32(N_FFT_BINS);
    for (const v of melFilters(hp.nMels)) w.f32(v);

    // Only the BPE ranks go in the file (as the converter writes them): n_vocab - n_tokens > 0
    // makes whisper.cpp shift sot/eot/... for multilingual models and name the special tokens itself.
    const tokens = vocabulary(hp.nVocab >= 51865 ? 50257 : 50256);
    w.i32(tokens.length);
    for (const t of tokens) {
      w.u32(t.length);
      w.bytes(t);
      if (w.pending > FLUSH_AT) await w.flush();
    }

    for (const [index, t] of tensorSpecs(hp, scale).entries()) {
      const asF16 = f16 && t.ne.length >= 2 && !t.keepF32;
      const name = Buffer.from(t.name, 'utf8');
      w.i32(t.ne.length);
      w.i32(name.length);
      w.i32(asF16 ? TYPE_F16 : TYPE_F32);
      for (const d of t.ne) w.i32(d);
      w.bytes(name);
      await w.flush(); // tensor data then starts at offset 0 of the chunk: aligned typed-array views
      await writeTensorData(w, t, asF16, mix(seed, index));
    }

    await w.flush();
    return { bytes: w.written };
  } finally {
    await fh.close();
  }
}

type ResolvedShape = Required<WhisperShape>;

function resolveShape(shape: WhisperShape): ResolvedShape {
  const hp: ResolvedShape = {
    nMels: 80,
    nVocab: 51865,
    nAudioCtx: 1500,
    nTextCtx: 448,
    ...shape,
  };
  for (const [k, v] of Object.entries<number>(hp)) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`whisper shape: ${k} must be a positive integer, got ${v}`);
  }
  // whisper.cpp only assert()s this; both stacks share one residual width.
  if (hp.nAudioState !== hp.nTextState) throw new Error('whisper shape: nAudioState must equal nTextState');
  if (hp.nAudioState % hp.nAudioHead !== 0 || hp.nTextState % hp.nTextHead !== 0) {
    throw new Error('whisper shape: state must be divisible by the number of heads');
  }
  if (hp.nVocab < 51864) throw new Error('whisper shape: nVocab must be >= 51864 (special tokens are at fixed ids)');
  return hp;
}

// ---------------------------------------------------------------------------------------------
// Tensors

/** Values uniform in center ± halfWidth, or Whisper's fixed sinusoid table (encoder.positional_embedding is not learned). */
type Fill = { center: number; halfWidth: number } | 'sinusoids';

interface TensorSpec {
  name: string;
  /** ggml order (fastest-varying first) = PyTorch shape reversed. */
  ne: number[];
  /** The converter keeps conv biases and positional embeddings f32 although they are 2-D. */
  keepF32?: boolean;
  fill: Fill;
}

/** The PyTorch state_dict order (parameters, then buffers, then child modules). */
function tensorSpecs(hp: ResolvedShape, scale: number): TensorSpec[] {
  const specs: TensorSpec[] = [];
  const rand: Fill = { center: 0, halfWidth: scale };
  const lin = (name: string, nIn: number, nOut: number, bias = true) => {
    specs.push({ name: `${name}.weight`, ne: [nIn, nOut], fill: rand });
    if (bias) specs.push({ name: `${name}.bias`, ne: [nOut], fill: rand });
  };
  const norm = (name: string, n: number) => {
    specs.push({ name: `${name}.weight`, ne: [n], fill: { center: 1, halfWidth: scale } });
    specs.push({ name: `${name}.bias`, ne: [n], fill: rand });
  };
  const attn = (name: string, n: number) => {
    lin(`${name}.query`, n, n);
    lin(`${name}.key`, n, n, false); // Whisper's key projection has no bias
    lin(`${name}.value`, n, n);
    lin(`${name}.out`, n, n);
  };
  const mlp = (prefix: string, n: number) => {
    lin(`${prefix}.mlp.0`, n, 4 * n);
    lin(`${prefix}.mlp.2`, 4 * n, n);
    norm(`${prefix}.mlp_ln`, n);
  };

  const na = hp.nAudioState;
  specs.push({ name: 'encoder.positional_embedding', ne: [na, hp.nAudioCtx], keepF32: true, fill: 'sinusoids' });
  // Conv1d weight [out, in, k] -> ne [k, in, out]; bias reshaped by the converter to [n, 1] -> ne [1, n].
  specs.push({ name: 'encoder.conv1.weight', ne: [3, hp.nMels, na], fill: rand });
  specs.push({ name: 'encoder.conv1.bias', ne: [1, na], keepF32: true, fill: rand });
  specs.push({ name: 'encoder.conv2.weight', ne: [3, na, na], fill: rand });
  specs.push({ name: 'encoder.conv2.bias', ne: [1, na], keepF32: true, fill: rand });
  for (let i = 0; i < hp.nAudioLayer; i++) {
    const p = `encoder.blocks.${i}`;
    attn(`${p}.attn`, na);
    norm(`${p}.attn_ln`, na);
    mlp(p, na);
  }
  norm('encoder.ln_post', na);

  const nt = hp.nTextState;
  specs.push({ name: 'decoder.positional_embedding', ne: [nt, hp.nTextCtx], keepF32: true, fill: rand });
  specs.push({ name: 'decoder.token_embedding.weight', ne: [nt, hp.nVocab], fill: rand }); // also the output projection
  for (let i = 0; i < hp.nTextLayer; i++) {
    const p = `decoder.blocks.${i}`;
    attn(`${p}.attn`, nt);
    norm(`${p}.attn_ln`, nt);
    attn(`${p}.cross_attn`, nt);
    norm(`${p}.cross_attn_ln`, nt);
    mlp(p, nt);
  }
  norm('decoder.ln', nt);
  return specs;
}

async function writeTensorData(w: ChunkWriter, t: TensorSpec, asF16: boolean, seed: number) {
  const total = t.ne.reduce((a, b) => a * b, 1);
  if (t.fill === 'sinusoids') {
    const data = sinusoids(t.ne[1]!, t.ne[0]!);
    if (asF16) throw new Error('sinusoids are always f32');
    await w.writeAll(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  const { center: offset, halfWidth: scale } = t.fill;
  const rng = new Sfc32(seed);
  const perChunk = w.capacity / 4; // elements per chunk (either type), chunk starts aligned
  let done = 0;
  while (done < total) {
    const n = Math.min(perChunk, total - done);
    if (asF16) {
      const table = f16Table(scale, offset);
      const out = new Uint16Array(w.buffer.buffer, w.buffer.byteOffset, n);
      let i = 0;
      for (; i + 1 < n; i += 2) {
        const r = rng.next(); // one 32-bit draw -> two 16-bit table indices
        out[i] = table[r & 0xffff]!;
        out[i + 1] = table[r >>> 16]!;
      }
      if (i < n) out[i] = table[rng.next() & 0xffff]!;
      w.advance(n * 2);
    } else {
      const out = new Float32Array(w.buffer.buffer, w.buffer.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = offset + (rng.next() * 2.3283064365386963e-10 * 2 - 1) * scale;
      w.advance(n * 4);
    }
    await w.flush();
    done += n;
  }
}

/** Whisper's `sinusoids(length, channels)`: [sin(t·inv) | cos(t·inv)], row-major [length][channels]. */
function sinusoids(length: number, channels: number): Float32Array {
  const half = Math.floor(channels / 2);
  const inc = Math.log(10000) / Math.max(1, half - 1);
  const out = new Float32Array(length * channels);
  for (let t = 0; t < length; t++) {
    for (let c = 0; c < half; c++) {
      const x = t * Math.exp(-inc * c);
      out[t * channels + c] = Math.sin(x);
      out[t * channels + half + c] = Math.cos(x);
    }
  }
  return out;
}

/** 65536 f16 bit patterns evenly spread over offset ± scale, indexed by 16 random bits (fast f16 fill). */
const f16Tables = new Map<string, Uint16Array>();
function f16Table(scale: number, offset: number): Uint16Array {
  const key = `${scale}:${offset}`;
  let table = f16Tables.get(key);
  if (!table) {
    table = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) table[i] = toHalf(offset + ((i + 0.5) / 65536 * 2 - 1) * scale);
    f16Tables.set(key, table);
  }
  return table;
}

/** sfc32: small, fast, good-quality 32-bit PRNG. */
class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = seed | 0;
    this.c = Math.imul(seed, 0x85ebca6b) ^ 0xc2b2ae35;
    for (let i = 0; i < 12; i++) this.next();
  }
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
}

/** A per-tensor seed so each tensor's values depend only on (seed, position in the file). */
function mix(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(index + 1, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Mel filters: librosa.filters.mel(sr=16000, n_fft=400, n_mels, htk=False, norm='slaney'),
// which is what whisper/assets/mel_filters.npz holds, so the log-mel input is realistic.

function melFilters(nMels: number): Float32Array {
  const sr = 16000;
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  const hzToMel = (f: number) => (f < minLogHz ? f / fSp : minLogMel + Math.log(f / minLogHz) / logStep);
  const melToHz = (m: number) => (m < minLogMel ? m * fSp : minLogHz * Math.exp(logStep * (m - minLogMel)));

  const maxMel = hzToMel(sr / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz((maxMel * i) / (nMels + 1)));
  const out = new Float32Array(nMels * N_FFT_BINS);
  for (let m = 0; m < nMels; m++) {
    const [lo, mid, hi] = [melF[m]!, melF[m + 1]!, melF[m + 2]!];
    const enorm = 2 / (hi - lo);
    for (let k = 0; k < N_FFT_BINS; k++) {
      const f = (k * sr) / 400;
      const w = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
      out[m * N_FFT_BINS + k] = w * enorm;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary: readable, unique, valid UTF-8 pieces shaped like GPT-2 BPE tokens (bare letters
// and punctuation, word pieces with a leading space, capitalised words). Every token is valid
// UTF-8 on its own, so any decoded sequence is too: @napi-rs/whisper silently drops segments
// whose bytes are not valid UTF-8.

const COMMON_WORDS = (
  'the of and to a in is you that it he was for on are as with his they I at be this have from or ' +
  'one had by word but not what all were we when your can said there use an each which she do how ' +
  'their if will up other about out many then them these so some her would make like him into time ' +
  'has look two more write go see number no way could people my than first water been call who oil ' +
  'its now find long down day did get come made may part meeting notes agenda action item team ' +
  'project budget deadline review plan next week today tomorrow yes okay right thanks question ' +
  'think know need want good great sure let us start call back follow share screen update'
).split(' ');
const PUNCTUATION = ['.', ',', '?', '!', ':', ';', '-', "'", '"', '(', ')', '...', "'s", "'t", "'re", "'ll", "'ve"];
const FOREIGN = [
  'é', 'è', 'à', 'ü', 'ö', 'ä', 'ß', 'ñ', 'ç', 'ø', 'å', 'œ', ' über', ' für', ' très', ' déjà', ' año', ' niño',
  ' café', ' straße', ' привет', ' да', ' нет', ' γεια', 'こんにちは', '日本', '中文', '한국어', ' مرحبا', ' שלום',
];
const ONSETS = ['', 'b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'z',
  'bl', 'br', 'ch', 'cl', 'cr', 'dr', 'fl', 'fr', 'gl', 'gr', 'pl', 'pr', 'sh', 'sl', 'sm', 'sn', 'sp', 'st', 'str', 'th', 'tr', 'wh'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ee', 'oo', 'ou', 'y'];
const CODAS = ['', 'b', 'ck', 'd', 'g', 'l', 'll', 'm', 'n', 'nd', 'ng', 'nt', 'p', 'r', 'rs', 's', 'st', 't', 'x'];

let vocabCache: { n: number; tokens: Buffer[] } | undefined;
function vocabulary(n: number): Buffer[] {
  if (vocabCache?.n === n) return vocabCache.tokens;
  const seen = new Set<string>();
  const list: string[] = [];
  const add = (s: string) => {
    if (list.length < n && s.length > 0 && !seen.has(s)) {
      seen.add(s);
      list.push(s);
    }
  };
  // Ids 0..93 are '!'..'~' as in GPT-2's byte alphabet; with ' ' (suppress_blank looks it up and
  // throws if missing) any ASCII prompt can be tokenized.
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c));
  add(' ');
  for (const p of PUNCTUATION) add(p);
  for (const p of PUNCTUATION) add(` ${p}`);
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  for (const word of COMMON_WORDS) for (const v of [` ${word}`, word, ` ${cap(word)}`, cap(word)]) add(v);
  for (const f of FOREIGN) add(f);
  const syllables: string[] = [];
  for (const o of ONSETS) for (const v of VOWELS) for (const c of CODAS) syllables.push(o + v + c);
  for (const s of syllables) for (const v of [` ${s}`, s, ` ${cap(s)}`]) add(v);
  // Two-syllable words until the vocabulary is full: round r pairs every syllable i with a scattered
  // partner j (no "foofoo" doubles); a duplicate string is skipped by `add`.
  const L = syllables.length;
  for (let r = 0; list.length < n && r < L; r++) {
    for (let k = 0; list.length < n && k < L; k++) {
      const i = (k * 7919) % L;
      const j = (i * 104729 + r * 7727 + 1) % L;
      if (i !== j) add(k % 5 === 0 ? `${syllables[i]}${syllables[j]}` : ` ${syllables[i]}${syllables[j]}`);
    }
  }
  if (list.length < n) throw new Error(`vocabulary: only ${list.length} of ${n} tokens`);
  const tokens = list.map((s) => Buffer.from(s, 'utf8'));
  vocabCache = { n, tokens };
  return tokens;
}

// ---------------------------------------------------------------------------------------------

const CHUNK_BYTES = 4 << 20;
const FLUSH_AT = 1 << 20;

/** Buffers small writes into one chunk and writes it to the file when asked: memory stays ~4 MiB. */
class ChunkWriter {
  readonly buffer = Buffer.from(new ArrayBuffer(CHUNK_BYTES)); // own ArrayBuffer: offset 0, typed views align
  readonly capacity = CHUNK_BYTES;
  pending = 0;
  written = 0;
  constructor(private readonly fh: FileHandle) {}

  private room(n: number) {
    if (this.pending + n > this.capacity) throw new Error('ChunkWriter: flush() before writing more');
  }
  u32(v: number) {
    this.room(4);
    this.pending = this.buffer.writeUInt32LE(v >>> 0, this.pending);
  }
  i32(v: number) {
    this.room(4);
    this.pending = this.buffer.writeInt32LE(v, this.pending);
  }
  f32(v: number) {
    this.room(4);
    this.pending = this.buffer.writeFloatLE(v, this.pending);
  }
  bytes(b: Uint8Array) {
    this.room(b.length);
    this.buffer.set(b, this.pending);
    this.pending += b.length;
  }
  /** Marks n bytes written directly into `buffer` (from offset 0) as pending. */
  advance(n: number) {
    this.pending += n;
  }
  async writeAll(data: Uint8Array) {
    await this.flush();
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.fh.write(data, off, data.length - off);
      off += bytesWritten;
    }
    this.written += data.length;
  }
  async flush() {
    let off = 0;
    while (off < this.pending) {
      const { bytesWritten } = await this.fh.write(this.buffer, off, this.pending - off);
      off += bytesWritten;
    }
    this.written += this.pending;
    this.pending = 0;
  }
}
