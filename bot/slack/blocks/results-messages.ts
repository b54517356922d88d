import type { types } from '@slack/bolt';
import { droppedTodosSentence, shownDue, type Todo, type TodosDocument } from '../../../core/domain/todos.js';
import type { ResultsView } from '../../chat-platform.js';
import { todoDetails } from '../../render.js';
import { regenerateButton } from './regenerate-modal.js';
import { linkButton, type SlackMessage } from './status-message.js';
import { clip } from '../../../core/domain/text.js';
import { LIMITS, mrkdwnText } from './text.js';
import { TODO_ACTION, todoBlockId } from './todo-checkboxes.js';
import { addTodoButton, todoMenu } from './todo-menu.js';

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
  if (view.link) blocks.push(linkButton(view.link, 'Transcript and details'));
  blocks.push(regenerateButton(sessionId));
  blocks.push({ type: 'divider' });
  if (todos.todos.length === 0) {
    blocks.push(section('No todos came up in this meeting.'));
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Todos* · ${done} of ${todos.todos.length} done` } });
    const now = view.now ?? new Date();
    todos.todos.forEach((todo, index) => blocks.push(todoBlock(sessionId, todo, index, todos, now)));
  }
  const dropped = droppedTodosSentence(todos);
  if (dropped) blocks.push(section(dropped));
  blocks.push(addTodoButton(sessionId));

  const text = mrkdwnText(`Summary and todos: ${summary.summary}`, LIMITS.sectionText);
  return chunks(blocks, LIMITS.blocksPerMessage).map((part, i) => ({ text: i === 0 ? text : 'More todos', blocks: part }));
}

/** A section of user text (escaped, clipped to Slack's limit) under an optional bold heading. */
function section(text: string, heading?: string): types.SectionBlock {
  const head = heading ? `*${heading}*\n` : '';
  return { type: 'section', text: { type: 'mrkdwn', text: head + mrkdwnText(text, LIMITS.sectionText - head.length) } };
}

const bullets = (items: string[]) => items.map((i) => `• ${i}`).join('\n');

/** A todo's checkbox and menu. The block id carries whether it showed the todo ticked (see todoBlockId). */
function todoBlock(sessionId: string, todo: Todo, index: number, doc: TodosDocument, now: Date): types.ActionsBlock {
  const option = {
    text: { type: 'plain_text' as const, text: clip(`${index + 1}. ${todo.task}`, LIMITS.optionText) },
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
