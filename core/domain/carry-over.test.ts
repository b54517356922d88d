import { describe, expect, it } from 'vitest';
import { carryOver, carryOverDocument, highestId, isSameTodo } from './carry-over.js';
import type { Todo, TodosDocument } from './todos.js';

const todo = (id: string, task: string, segments: number[], extra: Partial<Todo> = {}): Todo => ({
  id,
  task,
  priority: 'medium',
  timestamp: '00:00:01',
  context: '',
  completed: false,
  assignee: null,
  due: null,
  due_date: null,
  segments,
  completed_by: null,
  completed_at: null,
  ...extra,
});

const ticked = { completed: true, completed_by: 'Ana', completed_at: '2026-12-01T10:00:00.000Z' };

describe('isSameTodo', () => {
  it('matches the same task however cased or punctuated, whatever it cites', () => {
    expect(isSameTodo(todo('1', 'Send the budget to Maria.', [1]), todo('1', 'send the budget to maria', [7]))).toBe(true);
  });

  it('matches most words the same when a cited line is shared, not without one', () => {
    const old = todo('1', 'Send the revised budget to Maria', [3, 4]);
    expect(isSameTodo(old, todo('1', 'Send the budget to Maria', [4]))).toBe(true);
    expect(isSameTodo(old, todo('1', 'Send the budget to Maria', [9]))).toBe(false);
  });

  it('does not match different tasks citing the same line', () => {
    expect(isSameTodo(todo('1', 'Book the venue for the offsite', [2]), todo('1', 'Write the offsite agenda', [2]))).toBe(false);
  });
});

describe('carryOver', () => {
  it('keeps the id and tick of a matched todo, and gives unmatched ones ids above every id used', () => {
    const previous = [todo('1', 'Send the budget to Maria', [1], ticked), todo('2', 'Book the venue', [2])];
    const fresh = [todo('1', 'Write the agenda', [5]), todo('2', 'Send the budget to Maria', [1])];
    const result = carryOver(previous, fresh, { usedIds: ['1', '2', '3'] });
    expect(result.map((t) => [t.id, t.task, t.completed, t.completed_by])).toEqual([
      ['4', 'Write the agenda', false, null],
      ['1', 'Send the budget to Maria', true, 'Ana'],
    ]);
  });

  it('matches each old todo at most once, to the closest new one', () => {
    const previous = [todo('1', 'Send the budget to Maria', [1], ticked)];
    const fresh = [todo('1', 'Send the budget to Maria today', [1]), todo('2', 'Send the budget to Maria', [1])];
    const result = carryOver(previous, fresh);
    expect(result.map((t) => [t.id, t.completed])).toEqual([
      ['2', false],
      ['1', true],
    ]);
  });

  it('keeps a hand-edited todo’s task, assignee and due, and hand-added todos as they are', () => {
    const edited = todo('1', 'Send the final budget to Maria', [1], { assignee: 'Ali', due: 'by Friday', due_date: '2026-12-04', edited_by: 'Ana', edited_at: 'x' });
    const added = todo('9', 'Order pizza', [], { added_by: null, added_at: 'y' });
    const fresh = [todo('1', 'Send the final budget to Maria', [1], { assignee: 'SPEAKER_01', due: null })];
    const result = carryOver([edited, added], fresh);
    expect(result).toEqual([{ ...fresh[0], assignee: 'Ali', due: 'by Friday', due_date: '2026-12-04', edited_by: 'Ana', edited_at: 'x' }, added]);
  });

  it('lists a hand-added todo that the new notes also say once: as the person wrote it, citing the moment the notes cite', () => {
    const added = todo('9', 'Order pizza for Friday', [], { ...ticked, assignee: 'Ben', added_by: 'Ana', added_at: 'y', timestamp: '' });
    const other = todo('10', 'Call the caterer', [], { added_by: null, added_at: 'z' });
    const fresh = [todo('1', 'Write the release notes', [1]), todo('2', 'order pizza for friday.', [6], { assignee: 'SPEAKER_00', timestamp: '00:04:10' })];
    const result = carryOver([todo('1', 'Write the release notes', [1]), added, other], fresh);
    expect(result).toEqual([fresh[0], { ...added, segments: [6], timestamp: '00:04:10' }, other]);
  });

  it('keeps a hand-edited todo that no new todo matches: a regeneration does not throw away what someone typed', () => {
    const edited = todo('2', 'Book the venue for 40 people', [3], { ...ticked, edited_by: 'Ana', edited_at: 'x' });
    const dropped = todo('3', 'Call the caterer', [4], ticked);
    const result = carryOver([edited, dropped], [todo('1', 'Write the release notes', [1])]);
    expect(result.map((t) => [t.id, t.task, t.completed])).toEqual([['4', 'Write the release notes', false], ['2', 'Book the venue for 40 people', true]]);
  });

  it('matches a todo whose text a person rewrote by what it said before, keeping the rewrite and the tick', () => {
    const rewritten = todo('1', 'Send the client the revised timeline', [1], { ...ticked, edited_by: null, edited_at: 'x' });
    const asWritten = [todo('1', 'Send the budget to Maria', [1])];
    const result = carryOver([rewritten], [todo('1', 'Send the budget to Maria', [1])], { asWritten });
    expect(result.map((t) => [t.id, t.task, t.completed, t.edited_at])).toEqual([['1', 'Send the client the revised timeline', true, 'x']]);
  });

  it('leaves out a new todo matching one a person removed, and gives no new todo a removed one’s id', () => {
    const removed = [todo('3', 'Book the venue', [2])];
    const fresh = [todo('1', 'Book the venue.', [8]), todo('2', 'Write the agenda', [5])];
    const result = carryOver([todo('1', 'Send the budget', [1])], fresh, { removed });
    expect(result.map((t) => [t.id, t.task])).toEqual([['4', 'Write the agenda']]);
  });

  it('keeps a new todo matching a current one even when a removed one says the same', () => {
    const result = carryOver([todo('2', 'Book the venue', [2], ticked)], [todo('1', 'Book the venue', [2])], { removed: [todo('1', 'Book the venue', [2])] });
    expect(result.map((t) => [t.id, t.completed])).toEqual([['2', true]]);
  });

  it('carries nothing to a todo matching none (an old tick is not given to another task)', () => {
    const result = carryOver([todo('1', 'Book the venue', [2], ticked)], [todo('1', 'Write the agenda', [2])]);
    expect(result).toEqual([todo('2', 'Write the agenda', [2])]);
  });
});

describe('carryOverDocument', () => {
  it('counts the carried list', () => {
    const doc = (todos: Todo[]): TodosDocument => ({
      generated_at: 'x',
      session_id: '7f1c9a5e-7b7a-4a8e-9a8e-6a1c2b3d4e5f',
      version: '1.0',
      todos,
      summary: '',
      metadata: { total_todos: todos.length, high_priority: 0, estimated_time: null },
    });
    const previous = doc([todo('1', 'Order pizza', [], { added_by: 'Ana', added_at: 'y', priority: 'high' })]);
    const result = carryOverDocument(previous, doc([todo('1', 'Write the agenda', [1])]));
    expect(result.metadata).toMatchObject({ total_todos: 2, high_priority: 1 });
    expect(result.todos.map((t) => t.id)).toEqual(['2', '1']);
  });
});

describe('highestId', () => {
  it('reads numeric ids and ignores others', () => {
    expect(highestId(['3', '12', 'x', '7'])).toBe(12);
    expect(highestId([])).toBe(0);
  });
});
