import { describe, expect, it } from 'vitest';
import { isTodoTick, parseTodoEvent } from './todo-events.js';

const sessionId = '6f1c2a9e-5b7d-4c3e-9a8f-0e1d2c3b4a59';
const at = '2026-12-06T10:41:00.000Z';

describe('todo events', () => {
  it('reads a new title, with who renamed it (null from the page)', () => {
    const event = { kind: 'title', sessionId, title: 'Pricing review', by: 'Ana', at };
    expect(parseTodoEvent(JSON.stringify(event))).toEqual(event);
    expect(parseTodoEvent(JSON.stringify({ ...event, by: null }))).toEqual({ ...event, by: null });
    expect(isTodoTick(parseTodoEvent(JSON.stringify(event))!)).toBe(false);
  });

  it('refuses a title event without its title or with a session that is no id', () => {
    expect(parseTodoEvent(JSON.stringify({ kind: 'title', sessionId, by: null, at }))).toBeNull();
    expect(parseTodoEvent(JSON.stringify({ kind: 'title', sessionId: 'not-an-id', title: 'x', by: null, at }))).toBeNull();
  });

  it('still reads the events written before titles were announced: a tick without kind, names, todo changes, new notes', () => {
    const written = [
      { sessionId, todoId: '3', completed: true, by: 'Ana', at },
      { kind: 'speakers', sessionId, names: { SPEAKER_01: 'Maria' }, by: null, at },
      { kind: 'todo', sessionId, todoId: '4', change: 'edit', by: 'Ana', at },
      { kind: 'notes', sessionId, version: 2, by: 'maria', at },
    ];
    expect(written.map((e) => parseTodoEvent(JSON.stringify(e)))).toEqual(written);
    expect(isTodoTick(parseTodoEvent(JSON.stringify(written[0]))!)).toBe(true);
  });
});
