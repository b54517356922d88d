import { describe, expect, it } from 'vitest';
import { transcriptFor } from '../../test/e2e/web-fixture.js';
import { checkSearchQuery, MAX_QUERY_LENGTH, searchConfig, searchEntries } from './search.js';
import { buildDocuments } from './todos.js';

describe('search', () => {
  it('reads a language with its own configuration, and any other word for word', () => {
    expect([searchConfig('en'), searchConfig('DE'), searchConfig('pt'), searchConfig('und'), searchConfig('ja'), searchConfig(null)]).toEqual([
      'english', 'german', 'portuguese', 'simple', 'simple', 'simple',
    ]);
  });

  it('indexes every segment, the summary, key points and decisions, and each todo at the first segment it cites', () => {
    const transcript = transcriptFor('s', [['SPEAKER_00', 0, 'Hello.'], [undefined, 12.5, 'Ship it on Friday.'], ['SPEAKER_01', 20, '  ']]);
    const { summary, todos } = buildDocuments('s', {
      summary: 'A short sync.',
      keyPoints: ['Friday'],
      decisions: ['Ship'],
      todos: [
        { task: 'Ship the release', priority: 'high', context: 'Promised to the client', assignee: null, due: null, segments: [9, 1], timestamp: null },
        { task: 'Say hello', priority: 'low', context: '', assignee: null, due: null, segments: [], timestamp: null },
      ],
      estimatedTime: null,
    }, new Date('2026-12-06T10:00:00Z'));
    expect(searchEntries(transcript, summary, todos)).toEqual([
      { kind: 'transcript', position: 0, segmentId: 0, startSeconds: 0, speaker: 'SPEAKER_00', text: 'Hello.' },
      { kind: 'transcript', position: 1, segmentId: 1, startSeconds: 12.5, speaker: null, text: 'Ship it on Friday.' },
      { kind: 'summary', position: 0, segmentId: null, startSeconds: null, speaker: null, text: 'A short sync.' },
      { kind: 'summary', position: 1, segmentId: null, startSeconds: null, speaker: null, text: 'Friday' },
      { kind: 'summary', position: 2, segmentId: null, startSeconds: null, speaker: null, text: 'Ship' },
      { kind: 'todo', position: 0, segmentId: 1, startSeconds: 12.5, speaker: null, text: 'Ship the release (Promised to the client)' },
      { kind: 'todo', position: 1, segmentId: null, startSeconds: null, speaker: null, text: 'Say hello' },
    ]);
    expect(searchEntries(transcript, null, null).map((e) => e.kind)).toEqual(['transcript', 'transcript']);
  });

  it('takes a query trimmed, and refuses an empty or overlong one with QUERY_INVALID', () => {
    expect(checkSearchQuery('  pricing "next year" ')).toBe('pricing "next year"');
    expect(checkSearchQuery('é'.repeat(MAX_QUERY_LENGTH))).toHaveLength(MAX_QUERY_LENGTH);
    expect(() => checkSearchQuery(' \n ')).toThrow(expect.objectContaining({ code: 'QUERY_INVALID', userMessage: 'Type the words to search for.' }));
    expect(() => checkSearchQuery('x'.repeat(MAX_QUERY_LENGTH + 1))).toThrow('QUERY_INVALID: Search for at most 200 characters: a few words the meeting said.');
  });
});
