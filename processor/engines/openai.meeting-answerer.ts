import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { Logger } from '../../core/logger.js';
import { answerFromMeeting, type AnswerRequest, type MeetingAnswer, type MeetingAnswerer } from './meeting-answerer.js';
import { createOpenAIClient, type OpenAIConnection } from './openai-client.js';
import { askStructured } from './openai-structured.js';
import { ANSWER_FORMAT_NAME, ANSWER_MERGE_FORMAT_NAME, answerSchema } from './question-prompt.js';

export interface OpenAIMeetingAnswererOptions extends OpenAIConnection {
  model: string;
  /** Longest stretch of meeting sent in one request (LLM_CHUNK_SECONDS, as for the notes). */
  chunkSeconds: number;
  chunkChars?: number;
  maxInvalidAnswers?: number;
}

const partFormat = zodResponseFormat(answerSchema, ANSWER_FORMAT_NAME);
const mergeFormat = zodResponseFormat(answerSchema, ANSWER_MERGE_FORMAT_NAME);

/** Questions answered by any OpenAI-compatible chat endpoint with structured output (map/reduce: answerFromMeeting). */
export class OpenAIMeetingAnswerer implements MeetingAnswerer {
  private readonly client: OpenAI;

  constructor(
    private readonly options: OpenAIMeetingAnswererOptions,
    private readonly log: Logger,
  ) {
    this.client = createOpenAIClient(options, log);
  }

  answer({ transcript, question, signal }: AnswerRequest): Promise<MeetingAnswer> {
    const { model, chunkSeconds, chunkChars = 40_000, maxInvalidAnswers = 3 } = this.options;
    const ask = { log: this.log, model, signal, maxInvalidAnswers, wanted: 'a usable answer', failure: 'the question was not answered' };
    return answerFromMeeting(transcript, question, { maxSeconds: chunkSeconds, maxChars: chunkChars }, {
      part: (prompt) => askStructured(this.client, { ...ask, prompt, format: partFormat }),
      merge: (prompt) => askStructured(this.client, { ...ask, prompt, format: mergeFormat }),
    });
  }
}
