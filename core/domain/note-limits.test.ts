import { describe, expect, it } from 'vitest';
import { boundNotes, buildDocuments, NOTE_LIMITS, todosDocumentSchema, type MeetingNotes } from './todos.js';
import { clip } from './text.js';

const long = (n: number) => 'x'.repeat(n);

describe('clip', () => {
  it('keeps short text, and cuts long text to the limit with an ellipsis, never inside a surrogate pair', () => {
    expect(clip('short', 5)).toBe('short');
    expect(clip('longer', 5)).toBe('long…');
    expect(clip('ab😀cd', 4)).toBe('ab…');
    expect(clip('😀'.repeat(10), 6).length).toBeLessThanOrEqual(6);
  });
});

describe('notes from a model told to write too much', () => {
  const todo = { task: long(5000), priority: 'high' as const, context: long(5000), assignee: long(500), due: long(500), segments: Array.from({ length: 80 }, (_, i) => i), timestamp: '00:00:00' };
  const flood: MeetingNotes = {
    summary: long(50_000),
    keyPoints: Array.from({ length: 200 }, () => long(2000)),
    decisions: Array.from({ length: 200 }, () => long(2000)),
    estimatedTime: long(500),
    todos: Array.from({ length: 500 }, () => todo),
  };

  it('are bounded: the first todos and items, each text clipped', () => {
    const bounded = boundNotes(flood);
    expect(bounded.summary).toHaveLength(NOTE_LIMITS.summaryChars);
    expect(bounded.keyPoints).toHaveLength(NOTE_LIMITS.listItems);
    expect(bounded.decisions.every((d) => d.length === NOTE_LIMITS.itemChars)).toBe(true);
    expect(bounded.estimatedTime).toHaveLength(NOTE_LIMITS.labelChars);
    expect(bounded.todos).toHaveLength(NOTE_LIMITS.todos);
    expect(bounded.todos[0]).toMatchObject({ priority: 'high', timestamp: '00:00:00', segments: todo.segments.slice(0, NOTE_LIMITS.segmentsPerTodo) });
    expect(bounded.todos[0]!.task).toHaveLength(NOTE_LIMITS.taskChars);
    expect(bounded.todos[0]!.context).toHaveLength(NOTE_LIMITS.contextChars);
    expect(bounded.todos[0]!.assignee).toHaveLength(NOTE_LIMITS.labelChars);
  });

  it('are bounded when stored, whoever wrote them', () => {
    const docs = buildDocuments('00000000-0000-4000-8000-000000000000', flood, new Date());
    expect(todosDocumentSchema.parse(docs.todos).todos).toHaveLength(NOTE_LIMITS.todos);
    expect(docs.todos.metadata).toMatchObject({ total_todos: NOTE_LIMITS.todos, high_priority: NOTE_LIMITS.todos, dropped: 500 - NOTE_LIMITS.todos });
    expect(docs.summary.summary).toBe(docs.todos.summary);
    expect(docs.summary.key_points).toHaveLength(NOTE_LIMITS.listItems);
  });

  it('within the limits, are stored as written', () => {
    const modest: MeetingNotes = { summary: 's', keyPoints: ['k'], decisions: [], estimatedTime: null, todos: [{ ...todo, task: 't', context: 'c', assignee: null, due: 'Friday', segments: [1, 2] }] };
    expect(boundNotes(modest)).toEqual({ ...modest, dropped: 0 });
  });

  it('count the todos left out, the generator\'s own included; a todos.json from before the count still reads', () => {
    const docs = buildDocuments('00000000-0000-4000-8000-000000000000', { ...flood, dropped: 7 }, new Date());
    expect(docs.todos.metadata.dropped).toBe(7 + 500 - NOTE_LIMITS.todos);
    const { dropped: _, ...older } = docs.todos.metadata;
    expect(todosDocumentSchema.parse({ ...docs.todos, metadata: older }).metadata.dropped).toBeUndefined();
  });
});
