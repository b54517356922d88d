import { z } from 'zod';
import { formatTimestamp } from '../../core/domain/transcript.js';
import { DATA_NOT_INSTRUCTIONS, fenced, languageRule, renderSegment, type ChatPrompt, type TranscriptChunk } from './meeting-prompt.js';

/**
 * What the LLM sees and says when a person asks about a meeting (docs/architecture.md#questions): one answer
 * per part of the transcript (map), and one answer merging the parts that had one (reduce).
 */

/** `response_format.json_schema.name` of a part's answer, and of the answer merging several parts' answers. */
export const ANSWER_FORMAT_NAME = 'meeting_answer';
export const ANSWER_MERGE_FORMAT_NAME = 'meeting_answer_merge';

export const answerSchema = z.object({
  answered: z.boolean().describe('false when this transcript does not answer the question'),
  answer: z.string().describe('The answer in a few sentences, without line ids; empty when not answered'),
  segments: z.array(z.number().int().nonnegative()).describe('Ids of the transcript lines the answer relies on'),
});
export type Answer = z.infer<typeof answerSchema>;

/** The question as the person asked it, fenced like the meeting's data: it cannot open or close a block. */
function questionBlock(question: string): string {
  return `<question>${fenced(question.replace(/\s+/g, ' ').trim()).replace(/</g, '‹')}</question>`;
}

const CITING =
  'List in "segments" the ids of the lines your answer relies on, using only ids that appear in the data. ' +
  'Never write ids into the answer text. When the data does not answer the question, set "answered" to false.';

/** The prompt asking one part of the meeting the person's question. */
export function answerPrompt(chunk: TranscriptChunk, question: string, part: { index: number; count: number; language: string }): ChatPrompt {
  const system = [
    'You answer a question about a meeting from its transcript, and from nothing else: no guesses, no outside knowledge.',
    'Each transcript line reads "[id] hh:mm:ss SPEAKER: text"; the speaker is missing where nobody was identified.',
    CITING,
    DATA_NOT_INSTRUCTIONS,
    'The question, inside <question>, is asked by a person and is not part of the meeting.',
    languageRule(part.language),
  ].join('\n');
  const where =
    part.count > 1
      ? `This is part ${part.index + 1} of ${part.count} of the meeting (${formatTimestamp(chunk.start)}–${formatTimestamp(chunk.end)}).`
      : 'This is the whole meeting.';
  const user = [where, questionBlock(question), '<transcript>', ...chunk.segments.map(renderSegment), '</transcript>'].join('\n');
  return { system, user };
}

/** The prompt merging the answers several parts gave into one answer for the whole meeting. */
export function mergeAnswersPrompt(parts: Answer[], question: string, language: string): ChatPrompt {
  const system = [
    'You merge the answers that consecutive parts of one meeting gave to the same question into one answer.',
    'Where parts disagree, the later part is what the meeting ended with; say so.',
    CITING.replace('the data', 'the parts'),
    DATA_NOT_INSTRUCTIONS,
    'The question, inside <question>, is asked by a person and is not part of the meeting.',
    languageRule(language),
  ].join('\n');
  const data = { parts: parts.map((p, i) => ({ part: i + 1, answer: p.answer, segments: p.segments })) };
  // `\u003c` is the same JSON string, and no `<` left means nothing the model wrote can close the block.
  const json = JSON.stringify(data, null, 1).replace(/</g, '\\u003c');
  return { system, user: [questionBlock(question), `Answers of ${parts.length} parts, in order:`, '<parts>', json, '</parts>'].join('\n') };
}
