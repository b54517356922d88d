import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getLlama,
  LlamaChatSession,
  LlamaLogLevel,
  readGgufFileInfo,
  type Llama,
  type LlamaContext,
  type LlamaModel,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_SHAPES, writeLlamaGguf, type LlamaWeights } from './gguf.js';

const shape = LLAMA_SHAPES.micro;

/** Shaped like the meeting notes the engine asks for; the bounds keep a random model's answer finite. */
const notesSchema = {
  type: 'object',
  properties: {
    summary: { type: 'string', maxLength: 160 },
    todos: {
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: {
        type: 'object',
        properties: {
          task: { type: 'string', minLength: 1, maxLength: 60 },
          priority: { enum: ['high', 'medium', 'low'] },
          segments: { type: 'array', maxItems: 4, items: { enum: [0, 1, 2, 3, 4, 5] } },
        },
      },
    },
  },
} as const;

const transcript = [
  '[0] Alice: Thanks everyone. Today we review the release schedule and the budget.',
  '[1] Bob: The release moves to Friday because the deploy fix needs another review.',
  '[2] Alice: Bob, please update the ticket and tell the customer.',
  '[3] Carol: I will prepare the quarter report by Monday.',
  '[4] Bob: We decided to keep the sprint as planned.',
  '[5] Alice: Okay, thank you all.',
].join('\n');

describe('writeLlamaGguf', () => {
  let dir: string;
  let modelPath: string;
  let llama: Llama;
  let model: LlamaModel;
  let context: LlamaContext;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wn-gguf-'));
    modelPath = join(dir, 'micro-q4_0.gguf');
    await writeLlamaGguf(modelPath, shape, { seed: 7, weights: 'q4_0' });
    // gpu: false, or it picks Vulkan; build: 'never' so a missing binary fails instead of downloading and compiling.
    // One thread: a micro model gains nothing from more, and ggml's spinning threads crawl on a busy 2-core machine.
    llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error });
    model = await llama.loadModel({ modelPath });
    context = await model.createContext({ contextSize: 2048, threads: 1 });
  });

  afterAll(async () => {
    await context?.dispose();
    await model?.dispose();
    await llama?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a GGUF whose metadata and tensors have the llama shape', async () => {
    const info = await readGgufFileInfo(modelPath);
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe('llama');
    expect(info.metadata.general.file_type).toBe(2); // MOSTLY_Q4_0
    expect(info.metadata.llama).toMatchObject({
      context_length: shape.contextLength,
      embedding_length: shape.embedding,
      block_count: shape.layers,
      feed_forward_length: shape.feedForward,
      attention: { head_count: shape.heads, head_count_kv: shape.kvHeads },
      rope: { dimension_count: shape.embedding / shape.heads },
    });
    expect(info.metadata.tokenizer.ggml.tokens).toHaveLength(shape.vocabSize);
    const tensors = new Map(info.fullTensorInfo?.map((t) => [t.name, t]));
    expect(tensors.size).toBe(3 + 9 * shape.layers);
    expect(tensors.get('token_embd.weight')?.dimensions).toEqual([shape.embedding, shape.vocabSize]);
    expect(tensors.get('blk.1.attn_k.weight')?.dimensions).toEqual([
      shape.embedding,
      (shape.embedding / shape.heads) * shape.kvHeads,
    ]);
    expect(tensors.get('blk.1.ffn_down.weight')?.dimensions).toEqual([shape.feedForward, shape.embedding]);
    expect(tensors.get('blk.1.ffn_norm.weight')?.ggmlType).toBe(0); // F32
    expect(tensors.get('blk.1.ffn_up.weight')?.ggmlType).toBe(2); // Q4_0
  });

  it('writes the same file for the same seed and reports its size', async () => {
    const a = join(dir, 'a.gguf');
    const b = join(dir, 'b.gguf');
    const [ra, rb] = [await writeLlamaGguf(a, shape, { seed: 3 }), await writeLlamaGguf(b, shape, { seed: 3 })];
    expect(ra.bytes).toBe((await stat(a)).size);
    expect(rb.bytes).toBe(ra.bytes);
    expect((await readFile(a)).equals(await readFile(b))).toBe(true);
  });

  it('loads in llama.cpp with its shape, a byte-level BPE tokenizer and the ChatML wrapper', async () => {
    expect(model.trainContextSize).toBe(shape.contextLength);
    expect(model.fileInsights.totalLayers).toBe(shape.layers + 1);
    expect(model.tokens.bosString).toBe('<|endoftext|>');
    expect(model.tokens.eosString).toBe('<|im_end|>');
    const text = 'Meeting notes: {"summary": "Ship on Friday", "segments": [12, 345]} – naïve café 🎉';
    const tokens = model.tokenize(text);
    expect(tokens.length).toBeGreaterThan(10);
    expect(tokens.length).toBeLessThan(Buffer.byteLength(text));
    expect(model.detokenize(tokens)).toBe(text);
    expect(model.tokenize('<|im_start|>', true)).toHaveLength(1);

    const session = new LlamaChatSession({ contextSequence: context.getSequence() });
    try {
      expect(session.chatWrapper.wrapperName).toBe('ChatML');
    } finally {
      session.dispose({ disposeSequence: true });
    }
  });

  it('answers with JSON that matches the meeting-notes schema under a JSON-schema grammar', async () => {
    const grammar = await llama.createGrammarForJsonSchema(notesSchema);
    const session = new LlamaChatSession({ contextSequence: context.getSequence() });
    try {
      const answer = await session.promptWithMeta(`Write the meeting notes of this transcript as JSON.\n\n${transcript}`, {
        grammar,
        maxTokens: 1500,
      });
      expect(answer.stopReason).toBe('stopGenerationTrigger');
      const notes = grammar.parse(answer.responseText);
      expect(typeof notes.summary).toBe('string');
      expect(notes.summary.length).toBeLessThanOrEqual(160);
      expect(notes.todos.length).toBeGreaterThanOrEqual(1);
      expect(notes.todos.length).toBeLessThanOrEqual(3);
      for (const todo of notes.todos) {
        expect(todo.task.length).toBeGreaterThanOrEqual(1);
        expect(todo.task.length).toBeLessThanOrEqual(60);
        expect(['high', 'medium', 'low']).toContain(todo.priority);
        expect(todo.segments.length).toBeLessThanOrEqual(4);
        for (const s of todo.segments) expect([0, 1, 2, 3, 4, 5]).toContain(s);
      }
    } finally {
      session.dispose({ disposeSequence: true });
    }
  });

  it('cuts the answer off at maxTokens without an error, leaving JSON that does not parse', async () => {
    const grammar = await llama.createGrammarForJsonSchema(notesSchema);
    const session = new LlamaChatSession({ contextSequence: context.getSequence() });
    try {
      const answer = await session.promptWithMeta(`Notes as JSON.\n\n${transcript}`, { grammar, maxTokens: 8 });
      expect(answer.stopReason).toBe('maxTokens');
      expect(answer.responseText.startsWith('{')).toBe(true);
      expect(() => grammar.parse(answer.responseText)).toThrow();
    } finally {
      session.dispose({ disposeSequence: true });
    }
  });

  it('stops generating within a second of an abort when stopOnAbortSignal is set', async () => {
    const session = new LlamaChatSession({ contextSequence: context.getSequence() });
    try {
      const controller = new AbortController();
      let tokens = 0;
      let abortedAt = 0;
      const answer = session.promptWithMeta(transcript, {
        signal: controller.signal,
        stopOnAbortSignal: true,
        maxTokens: 100_000,
        onToken: (chunk) => {
          tokens += chunk.length;
          if (tokens >= 20 && !abortedAt) {
            abortedAt = performance.now();
            controller.abort();
          }
        },
      });
      const { stopReason, responseText } = await answer;
      const settledMs = performance.now() - abortedAt;
      expect(abortedAt).toBeGreaterThan(0);
      expect(stopReason).toBe('abort');
      expect(responseText.length).toBeGreaterThan(0);
      expect(settledMs).toBeLessThan(1000);
    } finally {
      session.dispose({ disposeSequence: true });
    }
  });

  it.each<LlamaWeights>(['f32', 'f16', 'q8_0'])('writes %s weights that llama.cpp runs', async (weights) => {
    const path = join(dir, `micro-${weights}.gguf`);
    await writeLlamaGguf(path, shape, { weights });
    const m = await llama.loadModel({ modelPath: path });
    try {
      const ctx = await m.createContext({ contextSize: 256, threads: 1 });
      const seq = ctx.getSequence();
      const out: number[] = [];
      for await (const token of seq.evaluate(m.tokenize('The meeting'), { temperature: 0 })) {
        out.push(token);
        if (out.length === 5) break;
      }
      expect(out).toHaveLength(5);
      await ctx.dispose();
    } finally {
      await m.dispose();
    }
  });
});
