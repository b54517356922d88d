import type { types } from '@slack/bolt';
import { droppedTodosSentence, shownDue, type Todo, type TodosDocument } from '../../../core/domain/todos.js';
import type { ResultsView } from '../../chat-platform.js';
import { todoDetails } from '../../render.js';
import { regenerateButton } from './regenerate-modal.js';
import { pageButton, type SlackMessage } from './status-message.js';
import { clip } from '../../../core/domain/text.js';
import { LIMITS, mrkdwnText } from './text.js';
import { TODO_ACTION, todoBlockId } from './todo-checkboxes.js';
import { addTodoButton, todoMenu } from './todo-menu.js';
import { whoSpokeMessage } from './who-spoke.js';

/**
 * The results of a session in its thread: the summary, then one block per todo (its checkbox, and a menu to
 * edit or remove it: Slack gives checkbox options no menu of their own), then "Add a todo", split into
 * messages of at most 50 blocks. How many blocks and messages there are depends on the number of todos
 * only, never on their state, so a re-render after a tick edits the same messages one for one.
 */
export function resultsMessages(sessionId: string, view: ResultsView): SlackMessage[] {
  const { summary, todos } = view;
  const done = todos.todos.filter((t) => t.completed).length;
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: view.version > 1 ? `📝 Summary (version ${view.version})` : '📝 Summary' } },
    section(summary.summary || 'No summary.'),
  ];
  if (summary.key_points.length) blocks.push(section(bullets(summary.key_points), 'Key points'));
  if (summary.decisions.length) blocks.push(section(bullets(summary.decisions), 'Decisions'));
  blocks.push(notesButtons(sessionId, view.link));
  blocks.push({ type: 'divider' });
  if (todos.todos.length === 0) {
    blocks.push(section('No todos came up in this meeting.'));
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Todos* · ${done} of ${todos.todos.length} done` } });
    const now = view.now ?? new Date();
    const owners = view.owners ?? {};
    todos.todos.forEach((todo, index) => blocks.push(todoBlock(sessionId, todo, index, todos, now, owners)));
  }
  const dropped = droppedTodosSentence(todos);
  if (dropped) blocks.push(section(dropped));
  blocks.push(addTodoButton(sessionId));

  const text = mrkdwnText(`Summary and todos: ${summary.summary}`, LIMITS.sectionText);
  const messages = chunks(blocks, LIMITS.blocksPerMessage).map((part, i) => ({ text: i === 0 ? text : 'More todos', blocks: part }));
  return view.whoSpoke ? [...messages, whoSpokeMessage(sessionId, view.whoSpoke)] : messages;
}

/** The action of "Notes as Markdown": the bot uploads the notes into the thread; its value is the session id. */
export const MARKDOWN_ACTION = 'wn-notes-markdown';

/** The page's link, when there is one, and the button that uploads the notes as a Markdown file. */
function notesButtons(sessionId: string, link: string | null): types.ActionsBlock {
  const markdown: types.Button = { type: 'button', action_id: MARKDOWN_ACTION, text: { type: 'plain_text', text: 'Notes as Markdown' }, value: sessionId };
  return { type: 'actions', elements: [...(link ? [pageButton(link, 'Transcript and details')] : []), regenerateButton(sessionId), markdown] };
}

/** A section of user text (escaped, clipped to Slack's limit) under an optional bold heading. */
function section(text: string, heading?: string): types.SectionBlock {
  const head = heading ? `*${heading}*\n` : '';
  return { type: 'section', text: { type: 'mrkdwn', text: head + mrkdwnText(text, LIMITS.sectionText - head.length) } };
}

const bullets = (items: string[]) => items.map((i) => `• ${i}`).join('\n');

/** A todo's checkbox and menu. The block id carries whether it showed the todo ticked (see todoBlockId). */
function todoBlock(sessionId: string, todo: Todo, index: number, doc: TodosDocument, now: Date, owners: Readonly<Record<string, string>>): types.ActionsBlock {
  const option = {
    ...todoText(`${index + 1}. ${todo.task}`, owners[todo.id]),
    description: { type: 'plain_text' as const, text: clip(todoDetails(todo, shownDue(todo, doc, now)), LIMITS.optionText) },
    value: todo.id,
  };
  return {
    type: 'actions',
    block_id: todoBlockId({ sessionId, index, shownTicked: todo.completed ? [todo.id] : [] }),
    elements: [
      // Slack refuses an empty `initial_options`.
      { type: 'checkboxes', action_id: TODO_ACTION, options: [option], ...(todo.completed && { initial_options: [option] }) },
      todoMenu(todo.id),
    ],
  };
}

/**
 * A todo's option text. An owner linked to a member is mentioned on it (`<@U…>`), which only mrkdwn draws
 * (an option's description is plain text only), so that text is mrkdwn with the task escaped, verbatim,
 * and the mention kept whole after it.
 */
function todoText(task: string, member: string | undefined): Pick<types.PlainTextOption, 'text'> | Pick<types.MrkdwnOption, 'text'> {
  if (!member) return { text: { type: 'plain_text', text: clip(task, LIMITS.optionText) } };
  const mention = ` · 👤 <@${member}>`;
  return { text: { type: 'mrkdwn', text: mrkdwnText(task, LIMITS.optionText - mention.length) + mention, verbatim: true } };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
