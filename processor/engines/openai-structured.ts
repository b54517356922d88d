import type OpenAI from 'openai';
import { ContentFilterFinishReasonError, LengthFinishReasonError } from 'openai/error';
import type { AutoParseableResponseFormat } from 'openai/lib/parser';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ChatPrompt } from './meeting-prompt.js';
import { toServiceError, type ServiceErrors } from './openai-client.js';

const LLM_ERRORS: ServiceErrors = {
  unavailable: 'LLM_UNAVAILABLE',
  rejected: 'LLM_UNAVAILABLE',
  name: 'language model',
  modelVariable: 'LLM_MODEL',
  endpoint: 'the LLM endpoint (OPENAI_BASE_URL)',
};

/** Why an answer could not be used; told back to the model when it is asked again. */
export class InvalidAnswer extends Error {}

export interface StructuredRequest<T> {
  log: Logger;
  model: string;
  prompt: ChatPrompt;
  format: AutoParseableResponseFormat<T>;
  signal?: AbortSignal;
  /** Tries before giving up. */
  maxInvalidAnswers: number;
  /** LLM_INVALID_OUTPUT's sentence: what was wanted ("usable notes") and what was then not made ("no todo list was made"). */
  wanted: string;
  failure: string;
  /** Throws InvalidAnswer when a parsed answer is still unusable. */
  check?: (answer: T) => void;
  /** Turns the last answer that parsed but failed `check` into a usable one instead of failing. */
  salvage?: (answer: T) => T;
}

/**
 * One structured request to an OpenAI-compatible chat endpoint, asked again (with the reason) while the
 * answer is unusable; a service failure becomes LLM_UNAVAILABLE, answers unusable to the end LLM_INVALID_OUTPUT.
 */
export async function askStructured<T>(client: OpenAI, r: StructuredRequest<T>): Promise<T> {
  const { log, model, prompt, format, signal, check = () => {}, salvage } = r;
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: prompt.system },
    { role: 'user', content: prompt.user },
  ];
  let reason = '';
  // The last try's answer if it parsed: read only after the loop, so only when it then failed `check`.
  let lastParsed: T | undefined;
  for (let attempt = 1; attempt <= r.maxInvalidAnswers; attempt++) {
    lastParsed = undefined;
    try {
      const completion = await client.chat.completions.parse({ model, messages, response_format: format }, { signal });
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
    `The language model did not return ${r.wanted} after ${r.maxInvalidAnswers} tries, so ${r.failure}. ` +
      'Try again later, or configure a model that supports structured output (LLM_MODEL).',
    false,
    { cause: new Error(reason) },
  );
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
