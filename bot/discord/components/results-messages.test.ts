import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resultsMessages } from './results-messages.js';
import { parseMarkdownButtonId } from './markdown-button.js';
import { parseTodoButtonId, todoButtonId } from './todo-button.js';
import { resultsView } from '../../../test/helpers/results-view.js';

const view = (count: number, taskLength = 40) => resultsView(count, { task: (i) => `Task ${i + 1} ${'x'.repeat(taskLength)}` });

const buttons = (m: ReturnType<typeof resultsMessages>[number]) => m.components.flatMap((r) => r.components);

describe('results in Discord', () => {
  it('are a summary, then todos with one button each, in rows of 5 and messages of at most 25', () => {
    const { sessionId, view: v } = view(60);
    const [summary, ...pages] = resultsMessages(sessionId, v);
    expect(summary!.content).toContain('We planned the release.');
    expect(summary!.content).toContain('• Ship two fixes first');
    expect(summary!.content).toContain('[Transcript and details](http://localhost:8080/s/abc?t=x)');
    // Under the summary, "Notes as Markdown" names the session whose notes it sends.
    expect(buttons(summary!).map((b) => ('custom_id' in b ? parseMarkdownButtonId(b.custom_id) : null))).toEqual([sessionId]);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages) {
      expect(page.content.length).toBeLessThanOrEqual(2000);
      expect(page.components.length).toBeLessThanOrEqual(5);
      expect(page.components.every((row) => row.components.length <= 5)).toBe(true);
    }
    expect(pages.flatMap(buttons).map((b) => ('label' in b ? b.label : null))).toEqual(v.todos.todos.map((_, i) => String(i + 1)));
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
