import type { GbnfJsonObjectSchema } from 'node-llama-cpp';
import { PRIORITIES } from '../../../core/domain/todos.js';

/**
 * The notes' JSON schemas as grammars for the local LLM: generation can only produce JSON that parses and
 * fits, cites only the segment ids of its part, and is bounded in size, so a small model cannot ramble past
 * its token budget. Each answer is still checked against the same zod schemas as a remote model's.
 */

/** Most of each field a local answer may hold; the worst case fits ANSWER_TOKENS at ≥ 3 characters a token. */
const BOUNDS = { title: 80, summary: 1000, item: 160, items: 5, todos: 10, task: 150, context: 160, name: 40, due: 30, citations: 6 } as const;

/** Tokens a local answer may take: bounds the generation and is kept free in the context window. */
export const ANSWER_TOKENS = 2560;

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const textOrNull = (maxLength: number) => ({ oneOf: [text(maxLength), { type: 'null' }] }) as const;
const list = (maxItems: number) => ({ type: 'array', items: text(BOUNDS.item), maxItems }) as const;

const overviewProperties = {
  title: text(BOUNDS.title),
  summary: text(BOUNDS.summary),
  key_points: list(BOUNDS.items),
  decisions: list(BOUNDS.items),
  estimated_time: textOrNull(BOUNDS.due),
} as const;

/** A part's notes; `segmentIds` are the ids of the part's lines, the only ones a todo may cite. */
export function notesGrammarSchema(segmentIds: readonly number[]): GbnfJsonObjectSchema {
  const todo = {
    type: 'object',
    properties: {
      task: { type: 'string', minLength: 1, maxLength: BOUNDS.task },
      priority: { enum: PRIORITIES },
      assignee: textOrNull(BOUNDS.name),
      due: textOrNull(BOUNDS.due),
      context: text(BOUNDS.context),
      segments: { type: 'array', items: { enum: segmentIds }, minItems: 1, maxItems: BOUNDS.citations },
    },
  } as const;
  return { type: 'object', properties: { ...overviewProperties, todos: { type: 'array', items: todo, maxItems: BOUNDS.todos } } };
}

/** The merged overview of several parts. */
export function overviewGrammarSchema(): GbnfJsonObjectSchema {
  return { type: 'object', properties: overviewProperties };
}
