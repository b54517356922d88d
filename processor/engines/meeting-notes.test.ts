import { describe, expect, it } from 'vitest';
import type { StoredTranscript } from '../../core/domain/transcript.js';
import { writeMeetingNotes, type NotesModel } from './meeting-notes.js';
import type { ChatPrompt } from './meeting-prompt.js';

/** The map/reduce over any LLM, with a model that answers from the prompt it is given. */

function transcript(count: number): StoredTranscript {
  const segments = Array.from({ length: count }, (_, id) => ({ id, start: id * 10, end: id * 10 + 8, text: `Line ${id}: we talked about item ${id} at length.`, words: [] }));
  return { session_id: 's', generated_at: '', engine: 'test', model: null, duration: count * 10, language: 'en', segments, word_segments: [] };
}

function recordingModel() {
  const overviews: ChatPrompt[] = [];
  let parts = 0;
  const model: NotesModel = {
    notes: async (_prompt, chunk) => {
      parts++;
      const first = chunk.segments[0]!.id;
      return {
        title: `Part ${parts}`,
        summary: `Part from ${chunk.start} s: ${'details '.repeat(80)}`,
        key_points: ['a point '.repeat(15)],
        decisions: [],
        estimated_time: null,
        todos: [{ task: `Follow up on item ${first}`, priority: 'medium', assignee: null, due: null, context: 'came up', segments: [first] }],
      };
    },
    overview: async (prompt) => {
      overviews.push(prompt);
      return { title: `Merged ${overviews.length}`, summary: `merged ${overviews.length}`, key_points: ['merged point'], decisions: [], estimated_time: '1 hour' };
    },
  };
  return { model, overviews, parts: () => parts };
}

describe('writeMeetingNotes', () => {
  it('merges the parts of a long meeting in prompts that fit the model, halves first when all of them do not', async () => {
    const { model, overviews, parts } = recordingModel();
    const maxChars = 2000;
    const notes = await writeMeetingNotes(transcript(200), { maxSeconds: 1200, maxChars }, model, () => {});
    expect(overviews.length).toBeGreaterThan(1);
    for (const prompt of overviews) expect(prompt.user.length).toBeLessThanOrEqual(maxChars);
    expect(notes.summary).toBe(`merged ${overviews.length}`); // the last merge is the answer
    expect(notes.title).toBe(`Merged ${overviews.length}`); // and its title the meeting's
    expect(parts()).toBeGreaterThan(4);
    expect(notes.todos).toHaveLength(parts()); // every part's todo is kept, merged without the LLM
  });

  it('merges in one answer, todo list included, when everything fits', async () => {
    const { model, overviews } = recordingModel();
    await writeMeetingNotes(transcript(60), { maxSeconds: 300, maxChars: 40_000 }, model, () => {});
    expect(overviews).toHaveLength(1);
    expect(overviews[0]!.user).toContain('Follow up on item 0');
  });
});
