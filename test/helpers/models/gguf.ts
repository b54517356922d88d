/**
 * Writes GGUF files (llama.cpp's model format, see ggml's docs/gguf.md) for llama-architecture chat models with
 * random weights but real shapes and a real byte-level BPE tokenizer, so that node-llama-cpp loads and runs them like
 * trained models (the text they write is noise). Tests and benchmarks of the local LLM engine use them because no
 * model weights can be downloaded where those run.
 *
 * The file is streamed to disk tensor by tensor; no buffer is ever larger than a few MiB.
 */
import { open } from 'node:fs/promises';
import { toHalf } from './half-float.js';

export interface LlamaShape {
  embedding: number;
  layers: number;
  heads: number;
  kvHeads: number;
  feedForward: number;
  contextLength: number;
  /** Tokens in the vocabulary (at least 1,024); 8,192 when unset. */
  vocabSize?: number;
  /** Whether the output projection reuses token_embd (no `output.weight` tensor), as Llama 3.2 1B and 3B do. */
  tiedEmbeddings?: boolean;
}

export const LLAMA_SHAPES = {
  /** Tiny: loads in milliseconds and generates hundreds of tokens a second on one core. */
  micro: { embedding: 128, layers: 2, heads: 4, kvHeads: 2, feedForward: 384, contextLength: 4096, vocabSize: 8192 },
  /** Llama-3.2-1B: 1.24 B parameters, about 0.7 GB in q4_0. */
  '1b': {
    embedding: 2048, layers: 16, heads: 32, kvHeads: 8, feedForward: 8192, contextLength: 131_072,
    vocabSize: 128_256, tiedEmbeddings: true,
  },
  /** Llama-3.2-3B: 3.21 B parameters, about 1.8 GB in q4_0. */
  '3b': {
    embedding: 3072, layers: 28, heads: 24, kvHeads: 8, feedForward: 8192, contextLength: 131_072,
    vocabSize: 128_256, tiedEmbeddings: true,
  },
} as const satisfies Record<'micro' | '1b' | '3b', LlamaShape>;

export type LlamaWeights = 'f32' | 'f16' | 'q8_0' | 'q4_0';

export interface WriteLlamaGgufOptions {
  /** Seeds the weights; the same seed and shape give the same file. Default 1. */
  seed?: number;
  /** How the matrices are stored (norms are always f32). Default 'f16'. */
  weights?: LlamaWeights;
  /** `general.name`; default "Whisper Notes random llama". */
  name?: string;
}

/** The special tokens of the vocabulary, as written in the chat template. */
export const SPECIAL_TOKENS = { bos: '<|endoftext|>', imStart: '<|im_start|>', imEnd: '<|im_end|>' } as const;

/** ChatML, as Qwen and Hermes ship it; node-llama-cpp recognises it as its ChatMLChatWrapper. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// ggml_type and llama_ftype numbers (ggml.h, llama.h).
const GGML_TYPE = { f32: 0, f16: 1, q4_0: 2, q8_0: 8 } as const;
const FILE_TYPE = { f32: 0, f16: 1, q4_0: 2, q8_0: 7 } as const;
/** Elements per block and bytes per block of each storage type. */
const BLOCK = { f32: [1, 4], f16: [1, 2], q4_0: [32, 18], q8_0: [32, 34] } as const;
const ALIGNMENT = 32;
const CHUNK_BYTES = 4 * 1024 * 1024 - ((4 * 1024 * 1024) % (18 * 34 * 4)); // whole blocks of every type, u32-aligned

interface TensorSpec {
  name: string;
  /** ggml order: dims[0] is the inner (contiguous) dimension. */
  dims: number[];
  type: LlamaWeights;
  /** Standard deviation of the values; 0 with `constant` for norms. */
  std: number;
  constant?: number;
  bytes: number;
  offset: number;
}

/** Writes a llama-architecture GGUF with random weights for `shape` to `filePath`. */
export async function writeLlamaGguf(
  filePath: string,
  shape: LlamaShape,
  opts: WriteLlamaGgufOptions = {},
): Promise<{ bytes: number }> {
  const weights = opts.weights ?? 'f16';
  const seed = opts.seed ?? 1;
  const headDim = shape.embedding / shape.heads;
  if (!Number.isInteger(headDim) || shape.heads % shape.kvHeads !== 0) {
    throw new Error(`embedding ${shape.embedding} / heads ${shape.heads} / kvHeads ${shape.kvHeads} do not divide`);
  }
  if (weights.startsWith('q') && (shape.embedding % 32 !== 0 || shape.feedForward % 32 !== 0)) {
    throw new Error(`${weights} needs embedding and feedForward to be multiples of 32`);
  }
  const vocab = buildVocabulary(shape.vocabSize ?? 8192);
  const tensors = tensorSpecs(shape, weights, vocab.tokens.length);

  const meta = new GgufBuilder();
  meta.string('general.architecture', 'llama');
  meta.string('general.name', opts.name ?? 'Whisper Notes random llama');
  meta.u32('general.file_type', FILE_TYPE[weights]);
  meta.u32('general.alignment', ALIGNMENT);
  if (weights.startsWith('q')) meta.u32('general.quantization_version', 2);
  meta.u32('llama.vocab_size', vocab.tokens.length);
  meta.u32('llama.context_length', shape.contextLength);
  meta.u32('llama.embedding_length', shape.embedding);
  meta.u32('llama.block_count', shape.layers);
  meta.u32('llama.feed_forward_length', shape.feedForward);
  meta.u32('llama.attention.head_count', shape.heads);
  meta.u32('llama.attention.head_count_kv', shape.kvHeads);
  meta.u32('llama.rope.dimension_count', headDim);
  meta.f32('llama.attention.layer_norm_rms_epsilon', 1e-5);
  meta.f32('llama.rope.freq_base', 500_000);
  meta.string('tokenizer.ggml.model', 'gpt2');
  meta.string('tokenizer.ggml.pre', 'llama-bpe');
  meta.stringArray('tokenizer.ggml.tokens', vocab.tokens);
  meta.i32Array('tokenizer.ggml.token_type', vocab.types);
  meta.stringArray('tokenizer.ggml.merges', vocab.merges);
  meta.u32('tokenizer.ggml.bos_token_id', vocab.bos);
  meta.u32('tokenizer.ggml.eos_token_id', vocab.eos);
  meta.u32('tokenizer.ggml.eot_token_id', vocab.eos);
  meta.u32('tokenizer.ggml.padding_token_id', vocab.bos);
  meta.bool('tokenizer.ggml.add_bos_token', false);
  meta.bool('tokenizer.ggml.add_eos_token', false);
  meta.string('tokenizer.chat_template', CHATML_TEMPLATE);

  const header = new GgufBuilder();
  header.raw(Buffer.from('GGUF', 'latin1'));
  header.rawU32(3);
  header.rawU64(tensors.length);
  header.rawU64(meta.count);
  header.raw(meta.toBuffer());
  for (const t of tensors) {
    header.rawString(t.name);
    header.rawU32(t.dims.length);
    for (const d of t.dims) header.rawU64(d);
    header.rawU32(GGML_TYPE[t.type]);
    header.rawU64(t.offset);
  }
  const headerBytes = header.toBuffer();

  const fh = await open(filePath, 'w');
  let written = 0;
  const put = async (buf: Uint8Array) => {
    await fh.write(buf, 0, buf.length);
    written += buf.length;
  };
  try {
    await put(headerBytes);
    await put(new Uint8Array(pad(written)));
    const dataStart = written;
    const chunk = Buffer.alloc(CHUNK_BYTES);
    const rng = new Uint32Array(4);
    for (const t of tensors) {
      seedRng(rng, seed, t.name);
      if (written - dataStart !== t.offset) throw new Error(`internal: ${t.name} misplaced`);
      for (let done = 0; done < t.bytes; ) {
        const n = Math.min(CHUNK_BYTES, t.bytes - done);
        fillTensorChunk(chunk, n, t, rng);
        await put(chunk.subarray(0, n));
        done += n;
      }
      await put(new Uint8Array(pad(written - dataStart)));
    }
  } finally {
    await fh.close();
  }
  return { bytes: written };
}

function pad(n: number): number {
  return (ALIGNMENT - (n % ALIGNMENT)) % ALIGNMENT;
}

function tensorSpecs(shape: LlamaShape, weights: LlamaWeights, vocabSize: number): TensorSpec[] {
  const e = shape.embedding;
  const kv = (e / shape.heads) * shape.kvHeads;
  const specs: Omit<TensorSpec, 'bytes' | 'offset'>[] = [];
  const matrix = (name: string, inner: number, outer: number) =>
    specs.push({ name, dims: [inner, outer], type: weights, std: 1 / Math.sqrt(inner) });
  const norm = (name: string) => specs.push({ name, dims: [e], type: 'f32', std: 0, constant: 1 });
  matrix('token_embd.weight', e, vocabSize);
  norm('output_norm.weight');
  if (!shape.tiedEmbeddings) matrix('output.weight', e, vocabSize);
  for (let i = 0; i < shape.layers; i++) {
    norm(`blk.${i}.attn_norm.weight`);
    matrix(`blk.${i}.attn_q.weight`, e, e);
    matrix(`blk.${i}.attn_k.weight`, e, kv);
    matrix(`blk.${i}.attn_v.weight`, e, kv);
    matrix(`blk.${i}.attn_output.weight`, e, e);
    norm(`blk.${i}.ffn_norm.weight`);
    matrix(`blk.${i}.ffn_gate.weight`, e, shape.feedForward);
    matrix(`blk.${i}.ffn_up.weight`, e, shape.feedForward);
    matrix(`blk.${i}.ffn_down.weight`, shape.feedForward, e);
  }
  let offset = 0;
  return specs.map((s) => {
    const [perBlock, blockBytes] = BLOCK[s.type];
    const elements = s.dims.reduce((a, b) => a * b, 1);
    const bytes = (elements / perBlock) * blockBytes;
    const spec = { ...s, bytes, offset };
    offset += bytes + pad(bytes);
    return spec;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Random values

/** xorshift128 seeded through splitmix32 from the seed and the tensor name, so tensors differ and files repeat. */
function seedRng(state: Uint32Array, seed: number, name: string): void {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  for (let i = 0; i < 4; i++) {
    h = (h + 0x9e3779b9) >>> 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    state[i] = (z ^ (z >>> 16)) >>> 0 || 1;
  }
}

/** Fills `out` with random 32-bit words. */
function fillRandom(out: Uint32Array, state: Uint32Array): void {
  let x = state[0]!, y = state[1]!, z = state[2]!, w = state[3]!;
  for (let i = 0; i < out.length; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    out[i] = w;
  }
  state[0] = x; state[1] = y; state[2] = z; state[3] = w;
}

const halfTables = new Map<number, Uint16Array>();
/** 65,536 halves spread evenly over [-a, a], indexed by 16 random bits. */
function halfTable(std: number): Uint16Array {
  let table = halfTables.get(std);
  if (!table) {
    const a = std * Math.sqrt(3);
    table = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) table[i] = toHalf(((i + 0.5) / 65536) * 2 * a - a);
    halfTables.set(std, table);
  }
  return table;
}

function fillTensorChunk(buf: Buffer, n: number, t: TensorSpec, rng: Uint32Array): void {
  const words = new Uint32Array(buf.buffer, buf.byteOffset, Math.ceil(n / 4));
  switch (t.type) {
    case 'f32': {
      const f = new Float32Array(buf.buffer, buf.byteOffset, n / 4);
      if (t.constant !== undefined) {
        f.fill(t.constant);
        return;
      }
      fillRandom(words, rng);
      const a = t.std * Math.sqrt(3);
      for (let i = 0; i < f.length; i++) f[i] = (words[i]! / 4294967296) * 2 * a - a;
      return;
    }
    case 'f16': {
      fillRandom(words, rng);
      const table = halfTable(t.std);
      const h = new Uint16Array(buf.buffer, buf.byteOffset, n / 2);
      for (let i = 0; i < h.length; i++) h[i] = table[h[i]!]!;
      return;
    }
    case 'q4_0':
    case 'q8_0': {
      // Blocks are an f16 scale d and 32 quants: q4_0 stores nibbles q (value (q - 8) * d, std 4.61 d), q8_0 int8 q
      // (value q * d, std 73.9 d). Random quants and a fixed d give the wanted standard deviation.
      fillRandom(words, rng);
      const blockBytes = t.type === 'q4_0' ? 18 : 34;
      const d = toHalf(t.std / (t.type === 'q4_0' ? 4.61 : 73.9));
      const lo = d & 0xff, hi = d >>> 8;
      for (let o = 0; o < n; o += blockBytes) {
        buf[o] = lo;
        buf[o + 1] = hi;
      }
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer: GPT-2 style byte-level BPE, as Llama 3 ships it

export interface Vocabulary {
  tokens: string[];
  /** llama_token_type: 1 normal, 3 control. */
  types: number[];
  merges: string[];
  bos: number;
  eos: number;
}

/** GPT-2's bytes_to_unicode: every byte as a printable character, in the order of GPT-2's first 256 tokens. */
function byteCharacters(): string[] {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.map((b) => String.fromCharCode(b));
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(String.fromCharCode(256 + extra++));
    }
  }
  return chars;
}

const COMMON_WORDS = (
  'the of and to a in is it you that he was for on are with as I his they be at one have this from or had by not ' +
  'word but what some we can out other were all there when up use your how said an each she which do their time if ' +
  'will way about many then them write would like so these her long make thing see him two has look more day could go ' +
  'come did number sound no most people my over know water than call first who may down side been now find any new ' +
  'work part take get place made live where after back little only round man year came show every good me give our ' +
  'under name very through just form sentence great think say help low line differ turn cause much mean before move ' +
  'right boy old too same tell does set three want air well also play small end put home read hand port large spell ' +
  'add even land here must big high such follow act why ask men change went light kind off need house picture try us ' +
  'again animal point mother world near build self earth father head stand own page should country found answer ' +
  'school grow study still learn plant cover food sun four between state keep eye never last let thought city tree ' +
  'cross farm hard start might story saw far sea draw left late run while press close night real life few north open ' +
  'seem together next white children begin got walk example ease paper group always music those both mark often ' +
  'letter until mile river car feet care second book carry took science eat room friend began idea fish mountain stop ' +
  'once base hear horse cut sure watch color face wood main enough plain girl usual young ready above ever red list ' +
  'though feel talk bird soon body dog family direct pose leave song measure door product black short numeral class ' +
  'wind question happen complete ship area half rock order fire south problem piece told knew pass since top whole ' +
  'king space heard best hour better true during hundred five remember step early hold west ground interest reach ' +
  'fast verb sing listen six table travel less morning ten simple several vowel toward war lay against pattern slow ' +
  'center love person money serve appear road map rain rule govern pull cold notice voice unit power town fine ' +
  'certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able pound done ' +
  'beauty drive stood contain front teach week final gave green quick develop ocean warm free minute strong special ' +
  'mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object decide ' +
  'surface deep moon island foot system busy test record boat common gold possible plane stead dry wonder laugh ' +
  'thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant fill east paint language ' +
  'among meeting meetings notes note summary summarize transcript recording speaker speakers agenda action item items ' +
  'todo todos task tasks priority deadline owner follow decision decisions discussed discuss project release team ' +
  'customer budget review schedule sprint ticket issue issues bug fix deploy launch quarter report update updates ' +
  'okay yeah thanks thank everyone today tomorrow monday tuesday wednesday thursday friday json segment segments'
).split(' ');

const JSON_PIECES = [
  '{"', '":', '",', '"}', '":"', '","', '"]', '["', '},', '}]', '[{', '[]', '{}', '""', '",Ġ"', '":Ġ"', '":Ġ', '",Ċ',
  'ĊĊ', 'ĠĠ', 'ĠĠĠĠ', '.Ċ', '.ĊĊ', ',Ġ', '.Ġ', ':Ġ', "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", '...', '--', 'Ġ-',
  'Ġ(', 'Ġ"', "Ġ'", 'Ġ[', 'Ġ{',
];

/**
 * A vocabulary of exactly `size` tokens: the 256 byte tokens, numbers up to 999, JSON punctuation, common English
 * and meeting words with and without a leading space (Ġ) and capitalised, then letter strings of growing length as
 * filler, and last the three special tokens. Every multi-character token has a merge from its prefix and last
 * character, so byte-level BPE reaches it.
 */
export function buildVocabulary(size: number): Vocabulary {
  if (size < 1024) throw new Error('vocabSize must be at least 1024');
  const specials = [SPECIAL_TOKENS.bos, SPECIAL_TOKENS.imStart, SPECIAL_TOKENS.imEnd];
  const limit = size - specials.length;
  const tokens = byteCharacters();
  const known = new Set(tokens);
  const merges: string[] = [];
  const add = (piece: string): boolean => {
    if (known.has(piece)) return true;
    const chars = [...piece];
    if (chars.length < 2) return false;
    const head = chars.slice(0, -1).join('');
    if (!add(head) || tokens.length >= limit) return false;
    known.add(piece);
    tokens.push(piece);
    merges.push(`${head} ${chars[chars.length - 1]}`);
    return true;
  };
  const capital = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const c of letters + letters.toUpperCase()) add(`Ġ${c}`);
  for (let i = 0; i < 1000; i++) add(String(i));
  for (const p of JSON_PIECES) add(p);
  for (const w of COMMON_WORDS) for (const v of [`Ġ${w}`, w, `Ġ${capital(w)}`, capital(w)]) add(v);
  for (let len = 2; tokens.length < limit; len++) {
    const count = letters.length ** len;
    for (let i = 0; i < count && tokens.length < limit; i++) {
      let s = '';
      for (let k = 0, v = i; k < len; k++, v = Math.floor(v / 26)) s = letters[v % 26] + s;
      for (const v of [`Ġ${s}`, s, `Ġ${capital(s)}`, capital(s)]) add(v);
    }
  }
  const types = tokens.map(() => 1);
  for (const s of specials) {
    tokens.push(s);
    types.push(3);
  }
  return { tokens, types, merges, bos: limit, eos: limit + 2 };
}

// ---------------------------------------------------------------------------------------------------------------
// GGUF encoding

const GGUF_VALUE = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;

class GgufBuilder {
  private parts: Buffer[] = [];
  count = 0;

  raw(b: Buffer): void {
    this.parts.push(b);
  }
  rawU32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
  }
  rawU64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.parts.push(b);
  }
  rawString(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.rawU64(bytes.length);
    this.parts.push(bytes);
  }
  private key(k: string, type: number): void {
    this.count++;
    this.rawString(k);
    this.rawU32(type);
  }
  u32(k: string, v: number): void {
    this.key(k, GGUF_VALUE.u32);
    this.rawU32(v);
  }
  f32(k: string, v: number): void {
    this.key(k, GGUF_VALUE.f32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(b);
  }
  bool(k: string, v: boolean): void {
    this.key(k, GGUF_VALUE.bool);
    this.parts.push(Buffer.from([v ? 1 : 0]));
  }
  string(k: string, v: string): void {
    this.key(k, GGUF_VALUE.string);
    this.rawString(v);
  }
  stringArray(k: string, v: readonly string[]): void {
    this.key(k, GGUF_VALUE.array);
    this.rawU32(GGUF_VALUE.string);
    this.rawU64(v.length);
    for (const s of v) this.rawString(s);
  }
  i32Array(k: string, v: readonly number[]): void {
    this.key(k, GGUF_VALUE.array);
    this.rawU32(GGUF_VALUE.i32);
    this.rawU64(v.length);
    const b = Buffer.alloc(4 * v.length);
    v.forEach((x, i) => b.writeInt32LE(x, i * 4));
    this.parts.push(b);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}
