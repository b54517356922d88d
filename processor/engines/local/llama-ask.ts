import type { GbnfJsonObjectSchema } from 'node-llama-cpp';
import { z } from 'zod';
import { AppError, isAppError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import type { ChatPrompt, ChunkLimits } from '../meeting-prompt.js';
import { EngineCrashed, type InferenceHost } from './inference-host.js';
import type { LlamaAnswer, LlamaProgress, LlamaTask } from './llama.protocol.js';
import { ANSWER_TOKENS } from './notes-grammar.js';

/** llama.cpp's child process, shared by the notes and the answers of one process. */
export type LlamaHost = InferenceHost<LlamaTask, LlamaAnswer, LlamaProgress>;

export interface LlamaSettings {
  contextTokens: number;
  threads: number;
  /** Longest stretch of meeting in one prompt (LLM_CHUNK_SECONDS); the context window bounds it too. */
  chunkSeconds: number;
}

/** Instructions and the prompt's framing, in tokens: kept free in the context beside the answer. */
const PROMPT_OVERHEAD_TOKENS = 800;
/** Transcript lines ("[12] 00:05:30 text") run at 3–4 characters a token in English, fewer in other scripts. */
const CHARS_PER_TOKEN = 2.5;

/** The parts a transcript is cut into for the local model: each fits its context beside the answer. */
export function llamaChunkLimits({ contextTokens, chunkSeconds }: LlamaSettings): ChunkLimits {
  return { maxSeconds: chunkSeconds, maxChars: Math.floor((contextTokens - ANSWER_TOKENS - PROMPT_OVERHEAD_TOKENS) * CHARS_PER_TOKEN) };
}

/** What the user is told when the local model fails at a piece of work. */
export interface LlamaWork {
  /** "writing the notes" */
  doing: string;
  /** What was not made: "usable notes, so no todo list was made". */
  unusable: string;
}

export interface LlamaAskOptions {
  host: LlamaHost;
  settings: LlamaSettings;
  work: LlamaWork;
  modelPath: string;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * One structured answer at a time from the local model: generated under `grammar`, then checked against
 * `schema` like a remote model's answer. An answer cut off or unfit is LLM_INVALID_OUTPUT; an engine that
 * fails is LLM_UNAVAILABLE, retryable after a crash (often memory, which may not happen again).
 */
export function llamaAsker({ host, settings, work, modelPath, log, signal }: LlamaAskOptions) {
  const run = async (prompt: ChatPrompt, grammar: GbnfJsonObjectSchema): Promise<LlamaAnswer> => {
    try {
      const task = { modelPath, ...prompt, schema: grammar, contextTokens: settings.contextTokens, threads: settings.threads, maxTokens: ANSWER_TOKENS };
      return await host.run(task, { signal });
    } catch (err) {
      if (signal?.aborted || isAppError(err)) throw err;
      throw new AppError(
        'LLM_UNAVAILABLE',
        `The local language model failed while ${work.doing}. An administrator should check the log, LOCAL_LLM_MODEL and the memory available.`,
        err instanceof EngineCrashed,
        { cause: err },
      );
    }
  };
  return async <T>(prompt: ChatPrompt, grammar: GbnfJsonObjectSchema, schema: z.ZodType<T>): Promise<T> => {
    const started = Date.now();
    const answer = await run(prompt, grammar);
    log.info({ promptTokens: answer.promptTokens, generatedTokens: answer.generatedTokens, elapsedMs: Date.now() - started }, 'local LLM answered');
    if (answer.cutOff) throw invalidOutput(work, `the answer reached the ${ANSWER_TOKENS}-token limit`);
    const result = schema.safeParse(JSON.parse(answer.text));
    if (!result.success) throw invalidOutput(work, z.prettifyError(result.error));
    return result.data;
  };
}

function invalidOutput(work: LlamaWork, reason: string): AppError {
  return new AppError(
    'LLM_INVALID_OUTPUT',
    `The local language model did not return ${work.unusable}. A larger model (LOCAL_LLM_MODEL) may do better.`,
    false,
    { cause: new Error(reason) },
  );
}
