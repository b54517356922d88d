import type { Config } from '../../../core/config.js';
import type { Logger } from '../../../core/logger.js';
import { localModels, type LocalModels } from '../../../core/models/index.js';
import type { ModelProvider } from '../../../core/models/model-provider.js';
import { InferenceHost, Turns } from './inference-host.js';
import type { LlamaHost, LlamaSettings } from './llama-ask.js';

/** The local LLM as both its users build on it: the notes (LlamaCppTodoGenerator) and the answers (LlamaCppMeetingAnswerer). */
export interface LocalLlm {
  model: ModelProvider;
  /** llama.cpp's process: it starts on the first task and exits when idle. */
  host: LlamaHost;
  settings: LlamaSettings;
}

/**
 * What the local engines of one process share (docs/architecture.md#local-ai-engines): the models' files,
 * one Turns queue, and llama.cpp's one child process, used by the processor's notes and by the questions this
 * process is asked, so one model is in memory and they take turns.
 */
export interface LocalEngines {
  /** The models of the parts that run locally (none for remote engines). */
  models: LocalModels;
  /** Whose turn it is to compute: each local engine uses every thread it is given. */
  turns: Turns;
  /** When the LLM is local. */
  llm: LocalLlm | null;
  close(): Promise<void>;
}

/** Nothing starts here: a child process starts on its first task, a model is fetched when first needed. */
export function createLocalEngines(config: Config, log: Logger): LocalEngines {
  const models = localModels(config, log);
  const turns = new Turns();
  const llm: LocalLlm | null = models.llm && {
    model: models.llm,
    host: new InferenceHost({ name: 'llama.cpp', entry: new URL('./llama.worker.ts', import.meta.url), idleMs: config.local.idleMs, log, turns }),
    settings: { contextTokens: config.local.llmContextTokens, threads: config.local.threads, chunkSeconds: config.llm.chunkSeconds },
  };
  return {
    models,
    turns,
    llm,
    async close() {
      models.speech?.close();
      models.llm?.close();
      await llm?.host.close();
    },
  };
}
