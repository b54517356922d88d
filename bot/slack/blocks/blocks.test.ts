import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StatusView } from '../../chat-platform.js';
import { REGENERATE_ACTION } from './regenerate-modal.js';
import { MARKDOWN_ACTION, resultsMessages } from './results-messages.js';
import { OPEN_PAGE_ACTION, statusMessage } from './status-message.js';
import { changedTodos, parseTodoBlockId, TODO_ACTION, todoBlockId } from './todo-checkboxes.js';
import { parseTodoMenuChoice, TODO_ADD_ACTION } from './todo-menu.js';
import { parseTodoModalMeta, readTodoForm, TODO_ADD_VIEW, TODO_EDIT_VIEW, TODO_INPUTS, todoModal } from './todo-modal.js';
import { resultsView } from '../../../test/helpers/results-view.js';

const view = (count: number, task = (i: number) => `Task ${i + 1}`) =>
  resultsView(count, { task, summary: 'We planned the release. <!channel> & friends', priority: 'high' });

type Option = { text: { text: string }; description: { text: string }; value: string };
type Element = { type: string; action_id: string; options: Option[]; initial_options?: Option[]; value?: string };
const elementsOf = (messages: ReturnType<typeof resultsMessages>) =>
  messages.flatMap((m) => m.blocks).flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => ({ blockId: b.block_id!, e: e as unknown as Element })) : []));
const checkboxes = (messages: ReturnType<typeof resultsMessages>) => elementsOf(messages).filter(({ e }) => e.type === 'checkboxes');

describe('results in Slack', () => {
  it('are the summary, escaped, then a block per todo with its checkbox and an Edit/Remove menu, then "Add a todo"', () => {
    const { sessionId, view: v } = view(25);
    const messages = resultsMessages(sessionId, v);
    expect(messages).toHaveLength(1);
    const text = JSON.stringify(messages[0]!.blocks);
    expect(text).toContain('We planned the release. &lt;!channel&gt; &amp; friends');
    expect(text).toContain('• Ship two fixes first');
    const boxes = checkboxes(messages);
    expect(boxes.map(({ e }) => e.options.map((o) => o.value))).toEqual(v.todos.todos.map((t) => [t.id]));
    expect(boxes.every(({ e }) => e.action_id === TODO_ACTION && e.initial_options === undefined)).toBe(true);
    expect(boxes[0]!.e.options[0]).toMatchObject({ text: { text: '1. Task 1' }, description: { text: '🔴 high · ⏱ 00:00:05 · 👤 SPEAKER_01' } });
    const menus = elementsOf(messages).filter(({ e }) => e.type === 'overflow');
    expect(menus.map(({ blockId }) => blockId)).toEqual(boxes.map(({ blockId }) => blockId)); // beside each checkbox
    expect(menus.map(({ e }) => e.options.map((o) => parseTodoMenuChoice(o.value)))).toEqual(
      v.todos.todos.map((t) => [{ kind: 'edit', todoId: t.id }, { kind: 'remove', todoId: t.id }]),
    );
    // Under the summary, the page's link and "Notes as Markdown" (its value names the session to export); "Add a todo" last.
    const buttons = elementsOf(messages).filter(({ e }) => e.type === 'button');
    expect(buttons.map(({ e }) => [e.action_id, e.value])).toEqual([
      [OPEN_PAGE_ACTION, undefined],
      [REGENERATE_ACTION, sessionId],
      [MARKDOWN_ACTION, sessionId],
      [TODO_ADD_ACTION, sessionId],
    ]);
    expect(messages[0]!.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ action_id: TODO_ADD_ACTION }] });
  });

  it('tick the completed todos, and their block ids say what was shown', () => {
    const { sessionId, view: v } = view(12);
    v.todos.todos[1]!.completed = true;
    v.todos.todos[11]!.completed = true;
    const boxes = checkboxes(resultsMessages(sessionId, v));
    expect(boxes.flatMap(({ e }) => (e.initial_options ?? []).map((o) => o.value))).toEqual(['2', '12']);
    expect(boxes.map(({ blockId }) => parseTodoBlockId(blockId)).filter((b) => b!.shownTicked.length > 0)).toEqual([
      { sessionId, index: 1, shownTicked: ['2'] },
      { sessionId, index: 11, shownTicked: ['12'] },
    ]);
  });

  it('fit Slack’s limits: long tasks clipped to 75 characters, 50 blocks a message, the same messages whatever is ticked', () => {
    const { sessionId, view: v } = view(1);
    // New documents hold at most NOTE_LIMITS.todos, but one stored before that limit can hold any number.
    v.todos.todos = Array.from({ length: 600 }, (_, i) => ({ ...v.todos.todos[0]!, id: String(i + 1), task: `Task ${i + 1} ${'x'.repeat(200)}` }));
    const before = resultsMessages(sessionId, v);
    expect(before.length).toBeGreaterThan(1);
    expect(before.every((m) => m.blocks.length <= 50)).toBe(true);
    const options = checkboxes(before).flatMap(({ e }) => e.options);
    expect(options).toHaveLength(600);
    expect(options.every((o) => o.text.text.length <= 75 && o.description.text.length <= 75)).toBe(true);
    expect(options[0]!.text.text.endsWith('…')).toBe(true);

    for (const t of v.todos.todos) t.completed = true;
    const after = resultsMessages(sessionId, v);
    expect(after.map((m) => m.blocks.length)).toEqual(before.map((m) => m.blocks.length));
  });

  it('say how many todos were left out, and give a todo without a place in the recording no time', () => {
    const { sessionId, view: v } = view(2);
    v.todos.todos[0] = { ...v.todos.todos[0]!, segments: [], timestamp: null };
    expect(JSON.stringify(resultsMessages(sessionId, v))).not.toContain('left out');
    v.todos.metadata.dropped = 1;
    const messages = resultsMessages(sessionId, v);
    expect(JSON.stringify(messages)).toContain('1 more todo was left out: a list keeps the first 100.');
    expect(checkboxes(messages)[0]!.e.options[0]!.description.text).toBe('🔴 high · 👤 SPEAKER_01');
  });

  it('show a todo\'s due date with its phrase, and "overdue" once it has passed while it is open', () => {
    const { sessionId, view } = resultsView(2, { due: (i) => (i === 0 ? 'by Friday' : 'ASAP') }); // met on Thursday 1 January
    const descriptions = (now: string, ticked = false) => {
      const todos = { ...view.todos, todos: view.todos.todos.map((t) => ({ ...t, completed: ticked })) };
      return checkboxes(resultsMessages(sessionId, { ...view, todos, now: new Date(now) })).map(({ e }) => e.options[0]!.description.text);
    };
    expect(descriptions('2026-01-02T12:00:00Z')).toEqual(['🟡 medium · 📅 Fri 2 Jan (by Friday) · ⏱ 00:00:05 · 👤 SPEAKER_01', '🟡 medium · 📅 ASAP · ⏱ 00:00:05 · 👤 SPEAKER_01']);
    // Clipped to 75 characters, the deadline comes first and survives.
    expect(descriptions('2026-01-03T12:00:00Z')[0]).toMatch(/^🟡 medium · ⚠️ overdue · 📅 Fri 2 Jan \(by Friday\) · ⏱/);
    expect(descriptions('2026-01-03T12:00:00Z', true)[0]).not.toContain('overdue');
  });

  it('say so when the meeting had no todos', () => {
    const { sessionId, view: v } = view(0);
    const messages = resultsMessages(sessionId, v);
    expect(JSON.stringify(messages)).toContain('No todos came up in this meeting.');
    expect(checkboxes(messages)).toEqual([]);
  });
});

describe('the todo form', () => {
  const sessionId = randomUUID();
  const longest = { task: 't'.repeat(300), owner: 'o'.repeat(100), due: 'd'.repeat(100), priority: 'low' as const };
  type Input = { block_id: string; element: { type: string; max_length?: number; initial_value?: string; initial_option?: { value: string } } };
  const inputs = (m: ReturnType<typeof todoModal>) => m.blocks as unknown as Input[];

  it('opens filled with the todo, within Slack’s limits, carrying the values it showed', () => {
    const seen = { task: longest.task, assignee: 'SPEAKER_01', due: longest.due, priority: 'low' as const };
    const modal = todoModal({ sessionId, todoId: '12', seen }, longest);
    expect(modal).toMatchObject({ type: 'modal', callback_id: TODO_EDIT_VIEW, title: { text: 'Edit the todo' }, submit: { text: 'Save' } });
    expect([modal.title, modal.submit!, modal.close!].every((t) => t.text.length <= 24)).toBe(true);
    expect(modal.private_metadata!.length).toBeLessThanOrEqual(3000);
    expect(parseTodoModalMeta(modal.private_metadata!)).toEqual({ sessionId, todoId: '12', seen });
    expect(inputs(modal).map((b) => b.block_id)).toEqual(Object.values(TODO_INPUTS));
    for (const { element } of inputs(modal).slice(0, 3)) expect(element.initial_value!.length).toBeLessThanOrEqual(element.max_length!);
    expect(inputs(modal)[3]!.element.initial_option).toMatchObject({ value: 'low' });
  });

  it('opens empty to add one, and reads back what was typed, an empty input as empty text', () => {
    const modal = todoModal({ sessionId }, null);
    expect(modal.callback_id).toBe(TODO_ADD_VIEW);
    expect(parseTodoModalMeta(modal.private_metadata!)).toEqual({ sessionId });
    expect(inputs(modal).some((b) => b.element.initial_value !== undefined)).toBe(false); // Slack refuses an empty one
    const values = {
      [TODO_INPUTS.task]: { value: { type: 'plain_text_input', value: 'Order the pizza' } },
      [TODO_INPUTS.owner]: { value: { type: 'plain_text_input', value: null } },
      [TODO_INPUTS.due]: { value: { type: 'plain_text_input', value: 'by Friday' } },
      [TODO_INPUTS.priority]: { value: { type: 'static_select', selected_option: { value: 'high' } } },
    };
    expect(readTodoForm(values)).toEqual({ task: 'Order the pizza', owner: '', due: 'by Friday', priority: 'high' });
    expect(parseTodoModalMeta('{"sessionId":"nope"}')).toBeNull();
    expect(parseTodoModalMeta(JSON.stringify({ sessionId, todoId: '1' }))).toBeNull(); // an edit without what it showed
  });
});

describe('todo block ids', () => {
  it('round-trip, fit in 255 characters and reject anything else', () => {
    const b = { sessionId: randomUUID(), index: 3, shownTicked: ['31', '33', '40'] };
    expect(todoBlockId(b).length).toBeLessThanOrEqual(255);
    expect(parseTodoBlockId(todoBlockId(b))).toEqual(b);
    expect(parseTodoBlockId(todoBlockId({ ...b, shownTicked: [] }))).toEqual({ ...b, shownTicked: [] });
    expect(parseTodoBlockId('wn-todos:not-a-session:1:')).toBeNull();
    expect(parseTodoBlockId(`${todoBlockId(b)}:extra`)).toBeNull();
  });

  it('turn a click into the changes that person made', () => {
    expect(changedTodos(['1', '2'], ['2', '3'])).toEqual([
      { todoId: '3', completed: true },
      { todoId: '1', completed: false },
    ]);
    expect(changedTodos([], [])).toEqual([]);
  });
});

describe('the status message', () => {
  const base: StatusView = { title: 'a <b> & c.mp4', status: 'PROCESSING', stage: 'transcribe', percent: 40, message: 'Transcribing', etaSeconds: 90, error: null, link: 'http://localhost:8080/s/x?t=y' };

  it('shows the title, a progress bar, the stage with its ETA and a link button', () => {
    const m = statusMessage(base);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('🎙️ *a &lt;b&gt; &amp; c.mp4*');
    expect(text).toContain('▓▓▓▓░░░░░░ 40%');
    expect(text).toMatch(/Transcribing/);
    expect(m.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ type: 'button', url: base.link, action_id: OPEN_PAGE_ACTION }] });
  });

  it('drops the bar when the session ended, and says why it failed', () => {
    const m = statusMessage({ ...base, status: 'FAILED', error: { code: 'LINK_NOT_FOUND', message: 'Nothing was found at that link (HTTP 404).' }, link: null });
    const text = JSON.stringify(m.blocks);
    expect(text).not.toContain('%');
    expect(text).toContain('❌ Nothing was found at that link (HTTP 404).');
    expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
  });
});
