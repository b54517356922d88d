import type OpenAI from 'openai';
import { ContentFilterFinishReasonError, LengthFinishReasonError } from 'openai/error';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { AutoParseableResponseFormat } from 'openai/lib/parser';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { MeetingNotes } from '../../core/domain/todos.js';
import { AppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { writeMeetingNotes } from './meeting-notes.js';
import {
  missingCitations,
  notesAnswerSchema,
  NOTES_FORMAT_NAME,
  withOnlyRealCitations,
  overviewAnswerSchema,
  OVERVIEW_FORMAT_NAME,
  type ChatPrompt,
  type NotesAnswer,
  type TranscriptChunk,
} from './meeting-prompt.js';
import { createOpenAIClient, toServiceError, type OpenAIConnection, type ServiceErrors } from './openai-client.js';
import type { TodoGenerator, TodoRequest } from './todo-generator.js';

export interface OpenAITodoGeneratorOptions extends OpenAIConnection {
  model: string;
  /** Longest stretch of meeting sent in one request. */
  chunkSeconds: number;
  /** Also bounds a part by size, for dense speech. */
  chunkChars?: number;
  /** Answers that fail the schema or cite missing segments, per request, before giving up. */
  maxInvalidAnswers?: number;
}

const LLM_ERRORS: ServiceErrors = {
  unavailable: 'LLM_UNAVAILABLE',
  rejected: 'LLM_UNAVAILABLE',
  name: 'language model',
  modelVariable: 'LLM_MODEL',
  endpoint: 'the LLM endpoint (OPENAI_BASE_URL)',
};

/** Why an answer could not be used; told back to the model when it is asked again. */
class InvalidAnswer extends Error {}

/**
 * Notes from any OpenAI-compatible chat endpoint with structured output (map/reduce: writeMeetingNotes);
 * an unusable answer is asked for again with the reason.
 */
export class OpenAITodoGenerator implements TodoGenerator {
  private readonly client: OpenAI;
  private readonly maxInvalidAnswers: number;

  constructor(
    private readonly options: OpenAITodoGeneratorOptions,
    private readonly logger: Logger,
  ) {
    this.client = createOpenAIClient(options, logger);
    this.maxInvalidAnswers = options.maxInvalidAnswers ?? 3;
  }

  generate({ sessionId, transcript, instruction = null, model = null, onProgress, signal }: TodoRequest): Promise<MeetingNotes> {
    const log = this.logger.child({ sessionId });
    // A model named when the notes are regenerated replaces the configured one for this meeting only.
    const modelName = model ?? this.options.model;
    const limits = { maxSeconds: this.options.chunkSeconds, maxChars: this.options.chunkChars ?? 40_000 };
    return writeMeetingNotes(
      transcript,
      limits,
      {
        notes: (prompt, chunk) =>
          this.ask(log, modelName, prompt, notesFormat, signal, {
            check: (a) => checkCitations(a, chunk),
            // A model that keeps citing lines that do not exist (a transcript can tell it to) loses those
            // todos, not the meeting's notes.
            salvage: (a) => withOnlyRealCitations(a, chunk),
          }),
        overview: (prompt) => this.ask(log, modelName, prompt, overviewFormat, signal),
      },
      onProgress,
      instruction,
    );
  }

  /**
   * One structured request, asked again (with the reason) while the answer is unusable. When the last answer
   * parsed but failed `check`, `salvage` may turn it into a usable one instead of failing.
   */
  private async ask<T>(
    log: Logger,
    model: string,
    prompt: ChatPrompt,
    format: AutoParseableResponseFormat<T>,
    signal: AbortSignal | undefined,
    { check = () => {}, salvage }: { check?: (answer: T) => void; salvage?: (answer: T) => T } = {},
  ): Promise<T> {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ];
    let reason = '';
    // The last try's answer if it parsed: read only after the loop, so only when it then failed `check`.
    let lastParsed: T | undefined;
    for (let attempt = 1; attempt <= this.maxInvalidAnswers; attempt++) {
      lastParsed = undefined;
      try {
        const completion = await this.client.chat.completions.parse(
          { model, messages, response_format: format },
          { signal },
        );
        const message = completion.choices[0]?.message;
        if (message?.refusal) throw new InvalidAnswer(`the model refused: ${message.refusal}`);
        if (!message?.parsed) throw new InvalidAnswer('the answer was empty');
        lastParsed = message.parsed;
        check(message.parsed);
        return message.parsed;
      } catch (err) {
        const invalid = invalidReason(err);
        if (invalid === null) throw toServiceError(err, LLM_ERRORS, signal);
        reason = invalid;
        log.warn({ attempt, reason, model, format: format.json_schema.name }, 'unusable LLM answer');
        messages.splice(2, 1, {
          role: 'user',
          content: `Your previous answer could not be used: ${reason.slice(0, 500)}. Answer again with the complete JSON.`,
        });
      }
    }
    if (lastParsed !== undefined && salvage) {
      log.warn({ reason, model, format: format.json_schema.name }, 'LLM answer salvaged after retries');
      return salvage(lastParsed);
    }
    throw new AppError(
      'LLM_INVALID_OUTPUT',
      `The language model did not return usable notes after ${this.maxInvalidAnswers} tries, so no todo list was made. ` +
        'Try again later, or configure a model that supports structured output (LLM_MODEL).',
      false,
      { cause: new Error(reason) },
    );
  }
}

const notesFormat = zodResponseFormat(notesAnswerSchema, NOTES_FORMAT_NAME);
const overviewFormat = zodResponseFormat(overviewAnswerSchema, OVERVIEW_FORMAT_NAME);

function checkCitations(answer: NotesAnswer, chunk: TranscriptChunk): void {
  const missing = missingCitations(answer, chunk);
  if (missing.length > 0) {
    throw new InvalidAnswer(`todos cite segment ids that are not in the transcript part: ${missing.slice(0, 20).join(', ')}`);
  }
}

/** The reason an error means "this answer is unusable" (as opposed to "the service failed"), or null. */
function invalidReason(err: unknown): string | null {
  if (err instanceof InvalidAnswer) return err.message;
  if (err instanceof SyntaxError) return `the answer was not valid JSON (${err.message})`;
  if (err instanceof z.ZodError) return `the answer did not match the schema: ${z.prettifyError(err)}`;
  if (err instanceof LengthFinishReasonError) return 'the answer was cut off at the length limit';
  if (err instanceof ContentFilterFinishReasonError) return 'the answer was blocked by a content filter';
  return null;
}
