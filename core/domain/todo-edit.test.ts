import { describe, expect, it } from 'vitest';
import { cleanPatch, editConflicts, editedFields, invalidFields, nextTodoId, ownerFromTyped } from './todo-edit.js';
import type { Todo } from './todos.js';

const todo: Todo = {
  id: '1', task: 'Book the room', priority: 'medium', timestamp: null, context: '', completed: false,
  assignee: 'SPEAKER_00', due: null, segments: [], completed_by: null, completed_at: null,
};

describe('todo edits', () => {
  it('takes from a form only the fields the editor changed', () => {
    const seen = { task: 'Book the room', assignee: 'SPEAKER_00', due: null };
    expect(editedFields({ task: 'Book the room', assignee: 'Ben', due: null }, seen)).toEqual({ assignee: 'Ben' });
    expect(editedFields({ task: 'X' }, undefined)).toEqual({ task: 'X' });
  });

  it('conflicts only where someone else changed a field the editor changed too, to something else', () => {
    const seen = { task: 'Book a room', assignee: 'SPEAKER_00' };
    expect(editConflicts(todo, { task: 'Book two rooms' }, seen)).toEqual([{ field: 'task', current: 'Book the room' }]);
    expect(editConflicts(todo, { task: 'Book the room' }, seen)).toEqual([]);
    expect(editConflicts(todo, { assignee: 'Ben' }, seen)).toEqual([]);
    expect(editConflicts(todo, { task: 'Book two rooms' }, undefined)).toEqual([]);
  });

  it('cleans typed text to one line, an empty owner or due date to none', () => {
    expect(cleanPatch({ task: ' a\n b\u200b ', assignee: '  ', due: '\t' })).toEqual({ task: 'a b', assignee: null, due: null });
  });

  it('refuses empty text, overlong fields and unknown priorities with a sentence', () => {
    expect(invalidFields({ task: '' })).toBe('A todo needs some text.');
    expect(invalidFields({ due: 'd'.repeat(101) })).toMatch(/due date is at most 100/);
    expect(invalidFields({ priority: 'urgent' as never })).toBe('A todo’s priority is one of high, medium, low.');
    expect(invalidFields({ task: 'ok', assignee: null })).toBeNull();
  });

  it('numbers a new todo after every id used, ignoring ids that are not numbers', () => {
    expect(nextTodoId(['1', '2', '10', 'x'])).toBe('11');
    expect(nextTodoId([])).toBe('1');
  });

  it('stores a typed owner that is how a speaker is shown as that speaker’s label, anything else as typed', () => {
    const labels = ['SPEAKER_00', 'SPEAKER_01'];
    const names = { SPEAKER_01: 'Maria' };
    expect(ownerFromTyped('maria', labels, names)).toBe('SPEAKER_01');
    expect(ownerFromTyped('Speaker 1', labels, names)).toBe('SPEAKER_00');
    expect(ownerFromTyped('SPEAKER_00', labels, names)).toBe('SPEAKER_00');
    // Named, the label's default name is no longer how it is shown; a speaker the meeting lacks is just text.
    expect(ownerFromTyped('Speaker 2', labels, names)).toBe('Speaker 2');
    expect(ownerFromTyped('Speaker 5', labels, names)).toBe('Speaker 5');
    expect(ownerFromTyped('Ben', labels, names)).toBe('Ben');
    expect(ownerFromTyped(null, labels, names)).toBeNull();
  });
});
