import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRegenerateId } from './regenerate.js';
import { resultsMessages } from './results-messages.js';
import { parseMarkdownButtonId } from './markdown-button.js';
import { parseTodoButtonId, todoButtonId } from './todo-button.js';
import { fingerprint, parseAddButtonId, parseEditButtonId, parseTodoFormId, seenFrom, todoModal, typedPriority } from './todo-modal.js';
import { resultsView } from '../../../test/helpers/results-view.js';

const view = (count: number, taskLength = 40) => resultsView(count, { task: (i) => `Task ${i + 1} ${'x'.repeat(taskLength)}` });

const buttons = (m: ReturnType<typeof resultsMessages>[number]) => m.components.flatMap((r) => r.components);

describe('results in Discord', () => {
  it('are a summary with "Add a todo" and "Regenerate", then todos with a toggle and an Edit button below it, in messages of at most 10', () => {
    const { sessionId, view: v } = view(60);
    const [summary, ...pages] = resultsMessages(sessionId, v);
    expect(summary!.content).toContain('We planned the release.');
    expect(summary!.content).toContain('• Ship two fixes first');
    expect(summary!.content).toContain('[Transcript and details](http://localhost:8080/s/abc?t=x)');
    // Under the summary, in one row, "Add a todo", "Regenerate" and "Notes as Markdown", each naming the session.
    expect(summary!.components).toHaveLength(1);
    const summaryIds = buttons(summary!).map((b) => ('custom_id' in b ? [parseAddButtonId(b.custom_id), parseRegenerateId(b.custom_id), parseMarkdownButtonId(b.custom_id)] : null));
    expect(summaryIds).toEqual([
      [sessionId, null, null],
      [null, sessionId, null],
      [null, null, sessionId],
    ]);
    expect(pages.length).toBeGreaterThanOrEqual(6);
    for (const page of pages) {
      expect(page.content.length).toBeLessThanOrEqual(2000);
      expect(page.components.length).toBeLessThanOrEqual(5);
      expect(page.components.every((row) => row.components.length <= 5)).toBe(true);
      expect(buttons(page).every((b) => 'custom_id' in b && b.custom_id.length <= 100)).toBe(true);
    }
    const ids = pages.flatMap(buttons).map((b) => ('custom_id' in b ? b.custom_id : ''));
    expect(ids.flatMap((id) => parseTodoButtonId(id)?.todoId ?? [])).toEqual(v.todos.todos.map((t) => t.id));
    expect(ids.flatMap((id) => parseEditButtonId(id)?.todoId ?? [])).toEqual(v.todos.todos.map((t) => t.id));
    // Each Edit button sits right below its todo's toggle, with the same number.
    const [toggles, edits] = pages[0]!.components;
    expect(edits!.components.map((b) => ('label' in b ? b.label : null))).toEqual(toggles!.components.map((b) => ('label' in b ? b.label : null)));
  });

  it('split long todos by length, and keep the same pages whatever is ticked', () => {
    const { sessionId, view: v } = view(12, 290);
    const before = resultsMessages(sessionId, v);
    expect(before.length).toBeGreaterThan(2); // 12 long todos do not fit in one 2000-character message
    for (const t of v.todos.todos) t.completed = true;
    const after = resultsMessages(sessionId, v);
    expect(after.map((m) => buttons(m).length)).toEqual(before.map((m) => buttons(m).length));
    expect(after.every((m) => m.content.length <= 2000)).toBe(true);
    expect(after[1]!.content).toMatch(/^\*\*Todos\*\* \(1\/\d+\) · 12 of 12 done/);
  });

  it('show a todo\'s due date with its phrase, and "overdue" once it has passed while it is open', () => {
    const { sessionId, view: v } = resultsView(1, { due: () => 'by Friday' }); // met on Thursday 1 January
    const todoPage = (now: string, completed = false) => {
      const todos = { ...v.todos, todos: v.todos.todos.map((t) => ({ ...t, completed })) };
      return resultsMessages(sessionId, { ...v, todos, now: new Date(now) })[1]!.content;
    };
    expect(todoPage('2026-01-02T12:00:00Z')).toContain('-# 🟡 medium · 📅 Fri 2 Jan (by Friday) · ⏱ 00:00:05 · 👤 SPEAKER_01');
    expect(todoPage('2026-01-03T12:00:00Z')).toContain('-# 🟡 medium · ⚠️ overdue · 📅 Fri 2 Jan (by Friday) · ⏱ 00:00:05');
    expect(todoPage('2026-01-03T12:00:00Z', true)).not.toContain('overdue');
  });

  it('say how many todos were left out', () => {
    const { sessionId, view: v } = view(2);
    expect(resultsMessages(sessionId, v)[0]!.content).not.toContain('left out');
    v.todos.metadata.dropped = 7;
    expect(resultsMessages(sessionId, v)[0]!.content).toContain('7 more todos were left out: a list keeps the first 100.');
  });

  it('have buttons that set the state they show the way to', () => {
    const { sessionId, view: v } = view(2);
    v.todos.todos[1]!.completed = true;
    const [first, second] = buttons(resultsMessages(sessionId, v)[1]!);
    const id = (b: typeof first) => parseTodoButtonId(b && 'custom_id' in b ? b.custom_id : '');
    expect(id(first)).toEqual({ sessionId, todoId: '1', completed: true });
    expect(id(second)).toEqual({ sessionId, todoId: '2', completed: false });
    expect(first).toMatchObject({ emoji: { name: '⬜' } });
    expect(second).toMatchObject({ emoji: { name: '✅' } });
  });
});

describe('todo button ids', () => {
  it('round-trip, fit in 100 characters and reject anything else', () => {
    const t = { sessionId: randomUUID(), todoId: '17', completed: false };
    const id = todoButtonId(t);
    expect(id.length).toBeLessThanOrEqual(100);
    expect(parseTodoButtonId(id)).toEqual(t);
    expect(parseTodoButtonId('wn:todo:not-a-session:1:1')).toBeNull();
    expect(parseTodoButtonId(`${id}:extra`)).toBeNull();
  });
});

describe('the todo form', () => {
  const sessionId = randomUUID();
  const ref = { sessionId, todoId: '12345678901234567890' }; // the longest todo id a form takes
  const todo = resultsView(1).view.todos.todos[0]!;
  const fields = { task: 't'.repeat(300), assignee: 'SPEAKER_01', due: 'd'.repeat(100), priority: 'low' as const };
  const shown = { task: fields.task, owner: 'Speaker 2', due: fields.due, priority: fields.priority };

  it('opens filled with the todo, within Discord’s limits, its custom id naming the todo and what it showed', () => {
    const modal = todoModal({ kind: 'edit', ref, fields, shown });
    expect(modal.custom_id.length).toBeLessThanOrEqual(100);
    expect(parseTodoFormId(modal.custom_id)).toEqual({ kind: 'edit', ...ref, shown: fingerprint(fields) });
    expect(modal.title.length).toBeLessThanOrEqual(45);
    const inputs = modal.components.map((row) => ('components' in row ? row.components[0] : null) as { custom_id: string; label: string; value?: string; max_length: number });
    expect(inputs.map((i) => i.custom_id)).toEqual(['task', 'owner', 'due', 'priority', 'remove']);
    expect(inputs.every((i) => i.label.length <= 45 && (i.value ?? '').length <= i.max_length)).toBe(true);
    expect(inputs.map((i) => i.value)).toEqual([fields.task, 'Speaker 2', fields.due, 'low', undefined]);

    const add = todoModal({ kind: 'add', sessionId });
    expect(parseTodoFormId(add.custom_id)).toEqual({ kind: 'add', sessionId });
    expect(add.components).toHaveLength(4);
    expect(parseEditButtonId(`wn:todo-edit:${sessionId}:1:extra`)).toBeNull();
  });

  it('works out what the editor saw: a field left as shown, one nobody changed since, or one both changed', () => {
    const opened = { ...todo, task: 'Book the room', assignee: 'SPEAKER_01', due: null, priority: 'medium' as const };
    const print = fingerprint({ task: opened.task, assignee: opened.assignee, due: opened.due, priority: opened.priority });
    // They changed the owner; someone else changed the text meanwhile: the text they left alone is what they saw.
    const now = { ...opened, task: 'Book the big room' };
    expect(seenFrom(print, { task: 'Book the room', assignee: 'Ben', due: null, priority: 'medium' }, now)).toEqual({ task: 'Book the room', assignee: 'SPEAKER_01', due: null, priority: 'medium' });
    // Both changed the text: what they saw is neither what it holds nor what they want, so the service refuses it.
    const seen = seenFrom(print, { task: 'Book two rooms', assignee: 'SPEAKER_01', due: null, priority: 'medium' }, now);
    expect([now.task, 'Book two rooms']).not.toContain(seen.task);
    // Nobody else changed anything: what they saw is what it holds.
    expect(seenFrom(print, { task: 'Book two rooms', assignee: 'SPEAKER_01', due: 'by Friday', priority: 'high' }, opened)).toEqual({ task: 'Book the room', assignee: 'SPEAKER_01', due: null, priority: 'medium' });
  });

  it('takes a priority in any case, and refuses another word in the service’s sentence', () => {
    expect(typedPriority(' High ')).toBe('high');
    expect(() => typedPriority('urgent')).toThrow('A todo’s priority is one of high, medium, low.');
  });
});
