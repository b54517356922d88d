import { describe, expect, it } from 'vitest';
import { jobMessageSchema } from './job.js';
import { overallPercent } from './progress.js';
import { STAGES } from './session.js';
import { parseRefPath, refPath, storageLayout } from './storage-layout.js';
import { buildDocuments, isOverdue, todosDocumentSchema } from './todos.js';

const id = '6f1c2a8e-8a7b-4c55-9d7e-1c2b3a4d5e6f';

describe('job messages', () => {
  it('fills option defaults and validates the version and id', () => {
    expect(jobMessageSchema.parse({ v: 1, sessionId: id })).toEqual({
      v: 1,
      sessionId: id,
      options: { language: null, diarize: true, minSpeakers: null, maxSpeakers: null, prompt: null, model: null },
      notes: null,
    });
    expect(jobMessageSchema.safeParse({ v: 2, sessionId: id }).success).toBe(false);
    expect(jobMessageSchema.safeParse({ v: 1, sessionId: 'not-a-uuid' }).success).toBe(false);
    expect(jobMessageSchema.safeParse({ v: 1, sessionId: id, options: { minSpeakers: -1 } }).success).toBe(false);
  });
});

describe('overall progress', () => {
  it('only moves forward through the stages', () => {
    const points = STAGES.flatMap((s) => [overallPercent(s, 0), overallPercent(s, 0.5), overallPercent(s, 1)]);
    expect(points).toEqual([...points].sort((a, b) => a - b));
    expect(overallPercent('upload', 0)).toBe(0);
    expect(overallPercent('done', 0)).toBe(100);
    expect(overallPercent('transcribe', 7)).toBe(overallPercent('transcribe', 1));
    expect(overallPercent('transcribe', Number.NaN)).toBe(overallPercent('transcribe', 0));
  });
});

describe('storage layout', () => {
  it('puts each file where the storage layout says', () => {
    const layout = storageLayout({ videos: 'video-files', transcripts: 'transcripts' });
    expect(refPath(layout.original(id, 'mp4'))).toBe(`video-files/${id}/original.mp4`);
    expect(refPath(layout.transcript(id))).toBe(`transcripts/${id}/transcript.json`);
    expect(refPath(layout.todos(id))).toBe(`transcripts/${id}/todos.json`);
    expect(refPath(layout.summary(id))).toBe(`transcripts/${id}/summary.json`);
    expect(parseRefPath(`video-files/${id}/original.mp4`)).toEqual(layout.original(id, 'mp4'));
    expect(() => parseRefPath('no-key')).toThrow();
  });
});

describe('todos document', () => {
  it('still reads a todos.json written before due dates were resolved', () => {
    const docs = buildDocuments(id, { summary: '', keyPoints: [], decisions: [], estimatedTime: null, todos: [
      { task: 'Call back', priority: 'low', context: '', assignee: null, due: 'Friday', segments: [], timestamp: null },
    ] }, new Date('2026-11-25T10:30:00Z'));
    const { due_date: _dueDate, ...olderTodo } = docs.todos.todos[0]!;
    const { time_zone: _zone, ...olderMetadata } = docs.todos.metadata;
    const older = todosDocumentSchema.parse({ ...docs.todos, todos: [olderTodo], metadata: olderMetadata });
    expect(older.todos[0]).not.toHaveProperty('due_date');
    expect(older.metadata.time_zone).toBeUndefined();
  });

  it('marks an open todo overdue when its due date is before today in the zone its dates were read in', () => {
    const docs = buildDocuments(id, { summary: '', keyPoints: [], decisions: [], estimatedTime: null, todos: [
      { task: 'Call back', priority: 'low', context: '', assignee: null, due: 'Thursday', segments: [], timestamp: null },
    ] }, new Date('2026-11-25T10:30:00Z'), { at: new Date('2026-11-25T10:30:00Z'), timeZone: 'Asia/Tokyo' });
    const todo = docs.todos.todos[0]!; // due 2026-11-26
    // 2026-11-26T16:00Z is already the 27th in Tokyo, still the 26th in UTC.
    expect(isOverdue(todo, docs.todos, new Date('2026-11-26T14:00:00Z'))).toBe(false);
    expect(isOverdue(todo, docs.todos, new Date('2026-11-26T16:00:00Z'))).toBe(true);
    expect(isOverdue({ ...todo, completed: true }, docs.todos, new Date('2026-11-26T16:00:00Z'))).toBe(false);
    expect(isOverdue({ ...todo, due_date: null }, docs.todos, new Date('2027-01-01T00:00:00Z'))).toBe(false);
  });

  it('has the todos.json shape with numbered ids and counts', () => {
    const docs = buildDocuments(
      id,
      {
        summary: 'Release planning',
        keyPoints: ['two fixes'],
        decisions: ['ship Friday'],
        estimatedTime: '1 hour',
        todos: [
          { task: 'Write release notes', priority: 'high', context: 'asked by lead', assignee: 'SPEAKER_01', due: 'Thursday', segments: [1, 2], timestamp: '00:00:03' },
          { task: 'Ship fixes', priority: 'medium', context: '', assignee: null, due: null, segments: [0], timestamp: '00:00:00' },
        ],
      },
      new Date('2026-11-25T10:30:00Z'),
      { at: new Date('2026-11-25T09:00:00Z'), timeZone: 'Europe/Berlin' },
    );
    expect(todosDocumentSchema.parse(docs.todos)).toEqual(docs.todos);
    expect(docs.todos.todos.map((t) => [t.id, t.completed, t.completed_by])).toEqual([['1', false, null], ['2', false, null]]);
    // Said on Wednesday 25 November: "Thursday" is the next day.
    expect(docs.todos.todos.map((t) => [t.due, t.due_date])).toEqual([['Thursday', '2026-11-26'], [null, null]]);
    expect(docs.todos.metadata).toEqual({ total_todos: 2, high_priority: 1, estimated_time: '1 hour', dropped: 0, time_zone: 'Europe/Berlin' });
    expect(docs.summary).toEqual({ generated_at: '2026-11-25T10:30:00.000Z', session_id: id, summary: 'Release planning', key_points: ['two fixes'], decisions: ['ship Friday'] });
  });
});
