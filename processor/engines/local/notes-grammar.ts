import type { GbnfJsonObjectSchema } from 'node-llama-cpp';
import { PRIORITIES } from '../../../core/domain/todos.js';

/**
 * The JSON schemas of the notes and of the answers to questions as grammars for the local LLM: generation
 * can only produce JSON that parses and fits, cites only the segment ids it is given, and is bounded in size,
 * so a small model cannot ramble past its token budget. Each answer is still checked against the same zod
 * schemas as a remote model's.
 */

/** Most of each field a local answer may hold; the worst case fits ANSWER_TOKENS at ≥ 3 characters a token. */
const BOUNDS = { title: 80, summary: 1000, item: 160, items: 5, todos: 10, task: 150, context: 160, name: 40, due: 30, citations: 6, answer: 1000 } as const;

/** Tokens a local answer may take: bounds the generation and is kept free in the context window. */
export const ANSWER_TOKENS = 2560;

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const textOrNull = (maxLength: number) => ({ oneOf: [text(maxLength), { type: 'null' }] }) as const;
const list = (maxItems: number) => ({ type: 'array', items: text(BOUNDS.item), maxItems }) as const;
/** Line ids from `segmentIds` only; none at all when there are none to cite. */
const citations = (segmentIds: readonly number[], minItems: number) =>
  segmentIds.length === 0 ? ({ type: 'array', maxItems: 0 } as const) : ({ type: 'array', items: { enum: segmentIds }, minItems, maxItems: BOUNDS.citations } as const);

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
      segments: citations(segmentIds, 1),
    },
  } as const;
  return { type: 'object', properties: { ...overviewProperties, todos: { type: 'array', items: todo, maxItems: BOUNDS.todos } } };
}

/** The merged overview of several parts. */
export function overviewGrammarSchema(): GbnfJsonObjectSchema {
  return { type: 'object', properties: overviewProperties };
}

/**
 * An answer to a person's question (question-prompt.ts `answerSchema`); `segmentIds` are those it may cite:
 * a part's lines, or, merging, the lines the parts' answers cited.
 */
export function answerGrammarSchema(segmentIds: readonly number[]): GbnfJsonObjectSchema {
  return { type: 'object', properties: { answered: { type: 'boolean' }, answer: text(BOUNDS.answer), segments: citations(segmentIds, 0) } };
}
