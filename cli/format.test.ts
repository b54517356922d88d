import { describe, expect, it } from 'vitest';
import { buildDocuments } from '../core/domain/todos.js';
import type { SessionResults } from '../core/sessions/session.service.js';
import { formatResults, formatTodoHistory, sessionJson } from './format.js';
import type { Session } from '../core/domain/session.js';

const id = '6f1c2a9e-5b7d-4c3e-9a8f-0e1d2c3b4a59';
/** The day after the meeting (Wednesday 25 November 2026): the todo due Friday is not overdue yet. */
const THURSDAY = new Date('2026-11-26T09:00:00Z');

function results(): SessionResults {
  const docs = buildDocuments(
    id,
    {
      summary: 'We planned the release.\n\nThe demo moves to Friday.',
      keyPoints: ['The release is on track'],
      decisions: ['Ship on Monday'],
      todos: [
        { task: 'Send the release notes', priority: 'high', context: 'Customers asked', assignee: 'SPEAKER_01', due: 'Friday', segments: [1], timestamp: '00:01:05' },
        { task: 'Book a room', priority: 'low', context: '', assignee: null, due: null, segments: [0], timestamp: '00:00:02' },
      ],
      estimatedTime: null,
    },
    new Date('2026-11-25T10:30:00Z'),
  );
  docs.todos.todos[1] = { ...docs.todos.todos[1]!, completed: true, completed_by: 'alice' };
  return {
    summary: docs.summary,
    todos: docs.todos,
    speakers: {},
    members: {},
    version: 1,
    versions: [],
    transcript: {
      session_id: id, generated_at: '', engine: 'whisperx', model: null, duration: 70, language: 'en', word_segments: [],
      segments: [
        { id: 0, start: 2, end: 5, text: 'Good morning.', words: [], speaker: 'SPEAKER_00' },
        { id: 1, start: 65.4, end: 68, text: 'I will send the notes.', words: [], speaker: 'SPEAKER_01' },
        { id: 2, start: 3725, end: 3726, text: 'Bye.', words: [] },
      ],
    },
  };
}

describe('the notes in the terminal', () => {
  it('show what the status page shows: summary, key points, decisions, todos with their ids, priority, owner, due date and who ticked them', () => {
    expect(formatResults(results(), false, THURSDAY)).toBe(
      [
        'Summary',
        '  We planned the release.',
        '  The demo moves to Friday.',
        'Key points',
        '  - The release is on track',
        'Decisions',
        '  - Ship on Monday',
        'Todos (1 of 2 done)',
        '  [ ] #1 Send the release notes',
        '      high · Speaker 2 · due Fri 27 Nov (Friday) · 00:01:05',
        '      Customers asked',
        '  [x] #2 Book a room',
        '      low · 00:00:02 · ticked by alice',
      ].join('\n'),
    );
  });

  it('mark an open todo overdue once its due date has passed, a ticked one never', () => {
    const saturday = new Date('2026-11-28T09:00:00Z');
    const lines = formatResults(results(), false, saturday).split('\n');
    expect(lines).toContain('      high · Speaker 2 · due Fri 27 Nov (Friday) · OVERDUE · 00:01:05');
    expect(lines.filter((l) => l.includes('OVERDUE'))).toHaveLength(1);
  });

  it('show a due phrase that names no date as written', () => {
    const r = results();
    r.todos!.todos[0] = { ...r.todos!.todos[0]!, due: 'ASAP', due_date: null };
    expect(formatResults(r, false, THURSDAY)).toContain('high · Speaker 2 · due ASAP · 00:01:05');
  });

  it('with --transcript, end with the transcript: a time and the speaker, named as on the page, on each line', () => {
    expect(formatResults(results(), true).split('\n').slice(-4)).toEqual([
      'Transcript',
      '  [00:00:02] Speaker 1: Good morning.',
      '  [00:01:05] Speaker 2: I will send the notes.',
      '  [01:02:05] Bye.',
    ]);
  });

  it('with --json --transcript, carry the segments: times, speaker label and text', () => {
    const session = { id, status: 'COMPLETED', createdAt: new Date(0), updatedAt: new Date(0) } as Session;
    expect(sessionJson(session, results(), null, true).transcript?.[1]).toEqual({ start: 65.4, end: 68, speaker: 'SPEAKER_01', text: 'I will send the notes.' });
    expect(sessionJson(session, results(), null)).not.toHaveProperty('transcript');
  });

  it('tell a todo\'s history a line a change: when, who (a page viewer has no name), and each field edited from → to', () => {
    const [todo] = results().todos!.todos;
    const at = new Date('2026-11-25T11:00:00Z');
    const after = { ...todo!, due: null, due_date: null, assignee: 'Ben', priority: 'low' as const };
    expect(formatTodoHistory([
      { todoId: '1', kind: 'edit', before: todo!, after, by: null, at },
      { todoId: '1', kind: 'untick', before: after, after, by: 'ana\u001b[2J', at },
    ], { SPEAKER_01: 'Maria' })).toBe([
      '2026-11-25T11:00:00.000Z  (no name)  edited #1: owner Maria → Ben, due “Friday” → none, priority high → low',
      '2026-11-25T11:00:00.000Z  ana  unticked #1 “Send the release notes”',
    ].join('\n'));
    expect(formatTodoHistory([], {})).toBe('Nobody has changed these todos yet.');
  });
});
