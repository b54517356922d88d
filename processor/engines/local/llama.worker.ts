import { open } from 'node:fs/promises';
import { getLlama, LlamaChatSession, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { serveInference } from './host-protocol.js';
import type { LlamaAnswer, LlamaProgress, LlamaTask } from './llama.protocol.js';

/**
 * The local LLM's process (run by InferenceHost): llama.cpp through node-llama-cpp, on the CPU, with the
 * model and its context kept between tasks.
 */

let llama: Llama | null = null;
let loaded: { key: string; model: LlamaModel; context: LlamaContext } | null = null;

async function contextFor(task: LlamaTask): Promise<LlamaContext> {
  const key = `${task.modelPath}|${task.contextTokens}|${task.threads}`;
  if (loaded?.key === key) return loaded.context;
  await loaded?.model.dispose();
  loaded = null;
  await checkGgufHeader(task.modelPath);
  // gpu: false — the prebuilt Vulkan/CUDA variants would otherwise be tried first; build: 'never' — nothing
  // is ever compiled or downloaded at run time. maxThreads: the default (at least 4) is far slower on 2 cores.
  llama ??= await getLlama({ gpu: false, build: 'never', maxThreads: task.threads, logLevel: LlamaLogLevel.error, progressLogs: false });
  // Read into memory rather than mapped: mapped, the weights count twice (the file's pages and llama.cpp's
  // repacked copy).
  const model = await llama.loadModel({ modelPath: task.modelPath, gpuLayers: 0, useMmap: false });
  const context = await model.createContext({ contextSize: task.contextTokens, threads: task.threads, sequences: 1 });
  loaded = { key, model, context };
  return context;
}

serveInference<LlamaTask, LlamaAnswer, LlamaProgress>(async (task, progress) => {
  const context = await contextFor(task);
  const sequence = context.getSequence();
  try {
    const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: task.system });
    const grammar = await context.model.llama.createGrammarForJsonSchema(task.schema);
    let generatedTokens = 0;
    const result = await session.promptWithMeta(task.user, {
      grammar,
      maxTokens: task.maxTokens,
      temperature: 0,
      onToken: (tokens) => {
        generatedTokens += tokens.length;
        if (generatedTokens % 16 < tokens.length) progress({ generatedTokens });
      },
    });
    const promptTokens = sequence.tokenMeter.usedInputTokens;
    session.dispose({ disposeSequence: false });
    return { text: result.responseText, promptTokens, generatedTokens, cutOff: result.stopReason === 'maxTokens' };
  } finally {
    await sequence.dispose();
  }
});

/**
 * node-llama-cpp's reader spins forever on a file that is not GGUF (seen with 3.21.1), so a wrong file is
 * refused here: the magic "GGUF", then a format version this llama.cpp reads.
 */
async function checkGgufHeader(modelPath: string): Promise<void> {
  const file = await open(modelPath, 'r');
  try {
    const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(8), position: 0 });
    const version = buffer.readUInt32LE(4);
    if (bytesRead < 8 || buffer.toString('latin1', 0, 4) !== 'GGUF' || version < 2 || version > 3) {
      throw new Error(`${modelPath} is not a GGUF model (version 2 or 3)`);
    }
  } finally {
    await file.close();
  }
}
