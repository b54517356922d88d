import { describe, expect, it } from 'vitest';
import { cleanPatch, editConflicts, editedFields, invalidFields, nextTodoId, ownerFromShown, withOwnerFromShown } from './todo-edit.js';
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

  it('stores a speaker’s label for an owner typed as the speaker is shown, so a rename follows; other text as typed', () => {
    const names = { SPEAKER_01: 'Maria' };
    expect(ownerFromShown('Maria', names)).toBe('SPEAKER_01');
    expect(ownerFromShown(' maria ', names)).toBe('SPEAKER_01');
    expect(ownerFromShown('Speaker 1', names)).toBe('SPEAKER_00');
    expect(ownerFromShown('speaker 12', names)).toBe('SPEAKER_11');
    // "Speaker 2" is Maria now: whoever typed it meant someone else.
    expect(ownerFromShown('Speaker 2', names)).toBe('Speaker 2');
    expect(ownerFromShown('Speaker 0', names)).toBe('Speaker 0');
    expect(ownerFromShown('Ben', names)).toBe('Ben');
    expect(ownerFromShown(null, names)).toBeNull();
    expect(withOwnerFromShown({ task: 'Maria', assignee: 'Maria' }, names)).toEqual({ task: 'Maria', assignee: 'SPEAKER_01' });
    expect(withOwnerFromShown({ task: 'Call' }, names)).toEqual({ task: 'Call' });
  });
});
