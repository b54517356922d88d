import { z } from 'zod';
import type { MeetingNotes } from '../../../core/domain/todos.js';
import { AppError, isAppError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { downloadMessage, type ModelProvider } from '../../../core/models/model-provider.js';
import { MODEL_LABELS } from '../../../core/models/catalog.js';
import { writeMeetingNotes } from '../meeting-notes.js';
import { notesAnswerSchema, overviewAnswerSchema, withOnlyRealCitations, type ChatPrompt } from '../meeting-prompt.js';
import type { TodoGenerator, TodoRequest } from '../todo-generator.js';
import { EngineCrashed, type InferenceHost } from './inference-host.js';
import type { LlamaAnswer, LlamaProgress, LlamaTask } from './llama.protocol.js';
import { ANSWER_TOKENS, notesGrammarSchema, overviewGrammarSchema } from './notes-grammar.js';

export interface LlamaCppTodoGeneratorOptions {
  contextTokens: number;
  threads: number;
  /** Longest stretch of meeting in one answer (LLM_CHUNK_SECONDS); the context window bounds it too. */
  chunkSeconds: number;
}

/** Instructions and the prompt's framing, in tokens: kept free in the context beside the answer. */
const PROMPT_OVERHEAD_TOKENS = 800;
/** Transcript lines ("[12] 00:05:30 text") run at 3–4 characters a token in English, fewer in other scripts. */
const CHARS_PER_TOKEN = 2.5;

/**
 * Meeting notes from a local GGUF model (llama.cpp in its own process): each answer is generated under the
 * notes' JSON-schema grammar, then checked like a remote model's answer; long meetings are mapped in parts
 * that fit the context window and reduced (writeMeetingNotes).
 */
export class LlamaCppTodoGenerator implements TodoGenerator {
  constructor(
    private readonly model: ModelProvider,
    private readonly host: InferenceHost<LlamaTask, LlamaAnswer, LlamaProgress>,
    private readonly options: LlamaCppTodoGeneratorOptions,
    private readonly log: Logger,
  ) {}

  async generate({ sessionId, transcript, instruction = null, model = null, onProgress, signal }: TodoRequest): Promise<MeetingNotes> {
    const log = this.log.child({ sessionId });
    // One model is loaded, the one LOCAL_LLM_MODEL names: another is not fetched for one meeting.
    if (model !== null && model !== this.model.model.name) {
      throw new AppError(
        'MODEL_UNAVAILABLE',
        `This server writes notes with its local model "${this.model.model.name}" (LOCAL_LLM_MODEL) and cannot use "${model}". ` +
          'Regenerate without a model, or ask an administrator to configure that one.',
      );
    }
    const modelPath = await this.model.ensure((p) => onProgress(0, downloadMessage(MODEL_LABELS.llm, p)), signal);
    onProgress(0, 'Writing the summary and todos');
    const maxChars = Math.floor((this.options.contextTokens - ANSWER_TOKENS - PROMPT_OVERHEAD_TOKENS) * CHARS_PER_TOKEN);
    const ask = async (prompt: ChatPrompt, schema: LlamaTask['schema']) => {
      const started = Date.now();
      const answer = await this.run({ modelPath, ...prompt, schema }, signal);
      log.info(
        { promptTokens: answer.promptTokens, generatedTokens: answer.generatedTokens, elapsedMs: Date.now() - started },
        'local LLM answered',
      );
      if (answer.cutOff) throw invalidOutput(`the answer reached the ${ANSWER_TOKENS}-token limit`);
      return JSON.parse(answer.text) as unknown;
    };
    return writeMeetingNotes(
      transcript,
      { maxSeconds: this.options.chunkSeconds, maxChars },
      {
        notes: async (prompt, chunk) => {
          const answer = parsed(notesAnswerSchema, await ask(prompt, notesGrammarSchema(chunk.segments.map((s) => s.id))));
          return withOnlyRealCitations(answer, chunk);
        },
        overview: async (prompt) => parsed(overviewAnswerSchema, await ask(prompt, overviewGrammarSchema())),
      },
      (percent) => onProgress(percent),
      instruction,
    );
  }

  private async run(prompt: Omit<LlamaTask, 'contextTokens' | 'threads' | 'maxTokens'>, signal: AbortSignal | undefined): Promise<LlamaAnswer> {
    try {
      return await this.host.run({ ...prompt, contextTokens: this.options.contextTokens, threads: this.options.threads, maxTokens: ANSWER_TOKENS }, { signal });
    } catch (err) {
      if (signal?.aborted || isAppError(err)) throw err;
      // A crash (often memory) may not happen again; a model that fails to load or run will.
      const retryable = err instanceof EngineCrashed;
      throw new AppError(
        'LLM_UNAVAILABLE',
        'The local language model failed while writing the notes. An administrator should check the log, LOCAL_LLM_MODEL and the memory available.',
        retryable,
        { cause: err },
      );
    }
  }
}

function parsed<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidOutput(z.prettifyError(result.error));
  return result.data;
}

function invalidOutput(reason: string): AppError {
  return new AppError(
    'LLM_INVALID_OUTPUT',
    'The local language model did not return usable notes, so no todo list was made. A larger model (LOCAL_LLM_MODEL) may do better.',
    false,
    { cause: new Error(reason) },
  );
}
