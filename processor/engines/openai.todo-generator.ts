import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { AutoParseableResponseFormat } from 'openai/lib/parser';
import type { MeetingNotes } from '../../core/domain/todos.js';
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
import { createOpenAIClient, type OpenAIConnection } from './openai-client.js';
import { askStructured, InvalidAnswer, type StructuredRequest } from './openai-structured.js';
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

  private ask<T>(
    log: Logger,
    model: string,
    prompt: ChatPrompt,
    format: AutoParseableResponseFormat<T>,
    signal: AbortSignal | undefined,
    checks: Pick<StructuredRequest<T>, 'check' | 'salvage'> = {},
  ): Promise<T> {
    const { maxInvalidAnswers } = this;
    return askStructured(this.client, { log, model, prompt, format, signal, maxInvalidAnswers, wanted: 'usable notes', failure: 'no todo list was made', ...checks });
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
