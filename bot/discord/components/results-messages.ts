import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent, type APIComponentInMessageActionRow } from 'discord.js';
import { droppedTodosSentence, shownDue, type ShownDue, type Todo } from '../../../core/domain/todos.js';
import type { ResultsView } from '../../chat-platform.js';
import { todoDetails } from '../../render.js';
import { discordLink, MAX_CONTENT, NO_MENTIONS } from './text.js';
import { markdownButton } from './markdown-button.js';
import { regenerateButton } from './regenerate.js';
import { todoButtonId } from './todo-button.js';
import { addButtonId, editButtonId } from './todo-modal.js';
import { whoSpokeMessages } from './who-spoke.js';
import { clip } from '../../../core/domain/text.js';

/** Discord allows 5 buttons per row and 5 rows per message: a todo's toggle and its Edit button below it take two rows of five. */
const BUTTONS_PER_ROW = 5;
const TODOS_PER_MESSAGE = 10;
/** Room left on each page for its heading. */
const HEADING_ROOM = 120;

export interface DiscordMessage {
  content: string;
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  allowed_mentions: typeof NO_MENTIONS;
}

/**
 * The results of a session: a summary message with "Add a todo" and "Notes as Markdown", then the todos in
 * pages of at most 10, each todo a line of text, a ✅/⬜ button and, below it, an Edit button. Buttons rather
 * than a multi-select: a button shows each todo's state at a glance and changes exactly one todo, while a select
 * submits a whole set and would overwrite a tick made meanwhile by someone else. Pages depend on the todos'
 * text only, never on their state, so re-rendering after a tick yields the same number of messages, edited
 * one for one.
 */
export function resultsMessages(sessionId: string, view: ResultsView): DiscordMessage[] {
  const now = view.now ?? new Date();
  const dueOf = (todo: Todo) => shownDue(todo, view.todos, now);
  const pages = paginate(view.todos.todos, dueOf);
  const done = view.todos.todos.filter((t) => t.completed).length;
  const owners = view.owners ?? {};
  return [
    summaryMessage(sessionId, view),
    ...pages.map((page, i) => ({
      content: [
        pages.length > 1 ? `**Todos** (${i + 1}/${pages.length}) · ${done} of ${view.todos.todos.length} done` : `**Todos** · ${done} of ${view.todos.todos.length} done`,
        ...page.map(({ todo, n }) => todoLine(todo, n, todo.completed, dueOf(todo), owners[todo.id])),
      ].join('\n'),
      components: todoRows(sessionId, page),
      allowed_mentions: NO_MENTIONS,
    })),
    ...(view.whoSpoke ? whoSpokeMessages(sessionId, view.whoSpoke) : []),
  ];
}

function summaryMessage(sessionId: string, view: ResultsView): DiscordMessage {
  const { summary } = view;
  const lines = [view.version > 1 ? `**Summary** (version ${view.version})` : '**Summary**', summary.summary];
  if (summary.key_points.length) lines.push('', '**Key points**', ...summary.key_points.map((p) => `• ${p}`));
  if (summary.decisions.length) lines.push('', '**Decisions**', ...summary.decisions.map((d) => `• ${d}`));
  if (view.todos.todos.length === 0) lines.push('', 'No todos came up in this meeting.');
  const dropped = droppedTodosSentence(view.todos);
  if (dropped) lines.push('', dropped);
  const link = view.link ? `\n\n${discordLink(view.link, 'Transcript and details')}` : '';
  const add: APIButtonComponent = { type: ComponentType.Button, style: ButtonStyle.Primary, label: 'Add a todo', emoji: { name: '➕' }, custom_id: addButtonId(sessionId) };
  return { content: clip(lines.join('\n'), MAX_CONTENT - link.length) + link, components: [{ type: ComponentType.ActionRow, components: [add, regenerateButton(sessionId), markdownButton(sessionId)] }], allowed_mentions: NO_MENTIONS };
}

/** A todo's line; an owner linked to a member is mentioned (`<@id>`, kept whole), never pinged (NO_MENTIONS). */
function todoLine(todo: Todo, n: number, completed: boolean, due: ShownDue | null, member?: string): string {
  const task = clip(todo.task, 300);
  const details = member ? `${clip(todoDetails({ ...todo, assignee: null }, due), 120)} · 👤 <@${member}>` : clip(todoDetails(todo, due), 150);
  return `${completed ? '✅' : '⬜'} **${n}.** ${completed ? `~~${task}~~` : task}\n-# ${details}`;
}

function paginate(todos: Todo[], dueOf: (todo: Todo) => ShownDue | null): Array<Array<{ todo: Todo; n: number }>> {
  const pages: Array<Array<{ todo: Todo; n: number }>> = [];
  let page: Array<{ todo: Todo; n: number }> = [];
  let size = HEADING_ROOM;
  todos.forEach((todo, i) => {
    // The longest form, ticked and overdue: a tick, or a day passing, never moves a todo to another page.
    const due = dueOf(todo);
    // A linked owner's line (120 characters of details and a mention) is never longer than this one.
    const length = todoLine(todo, i + 1, true, due && { ...due, overdue: true }).length + 1;
    if (page.length === TODOS_PER_MESSAGE || (page.length > 0 && size + length > MAX_CONTENT)) {
      pages.push(page);
      page = [];
      size = HEADING_ROOM;
    }
    page.push({ todo, n: i + 1 });
    size += length;
  });
  if (page.length) pages.push(page);
  return pages;
}

function todoButton(sessionId: string, todo: Todo, n: number): APIButtonComponent {
  return {
    type: ComponentType.Button,
    style: todo.completed ? ButtonStyle.Success : ButtonStyle.Secondary,
    label: String(n),
    emoji: { name: todo.completed ? '✅' : '⬜' },
    custom_id: todoButtonId({ sessionId, todoId: todo.id, completed: !todo.completed }),
  };
}

/** Per five todos, a row of their toggles and below it a row of their Edit buttons. */
function todoRows(sessionId: string, page: Array<{ todo: Todo; n: number }>): APIActionRowComponent<APIButtonComponent>[] {
  const out: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let i = 0; i < page.length; i += BUTTONS_PER_ROW) {
    const five = page.slice(i, i + BUTTONS_PER_ROW);
    out.push({ type: ComponentType.ActionRow, components: five.map(({ todo, n }) => todoButton(sessionId, todo, n)) });
    out.push({ type: ComponentType.ActionRow, components: five.map(({ todo, n }) => editButton(sessionId, todo, n)) });
  }
  return out;
}

function editButton(sessionId: string, todo: Todo, n: number): APIButtonComponent {
  return { type: ComponentType.Button, style: ButtonStyle.Secondary, label: String(n), emoji: { name: '✏️' }, custom_id: editButtonId({ sessionId, todoId: todo.id }) };
}
