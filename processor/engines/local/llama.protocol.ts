import type { GbnfJsonObjectSchema } from 'node-llama-cpp';

/** One structured answer from the local LLM (see llama.worker.ts). */
export interface LlamaTask {
  modelPath: string;
  contextTokens: number;
  threads: number;
  system: string;
  user: string;
  /** The answer is generated under this schema's grammar, so it always parses and fits it. */
  schema: GbnfJsonObjectSchema;
  maxTokens: number;
}

export interface LlamaAnswer {
  /** The answer, as JSON text. */
  text: string;
  promptTokens: number;
  generatedTokens: number;
  /** Whether it stopped at maxTokens (its JSON is then cut off). */
  cutOff: boolean;
}

export interface LlamaProgress {
  generatedTokens: number;
}
