import { speakerName, type SpeakerNames } from '../core/domain/speaker-name.js';
import { ownerFromShown, type TodoFields } from '../core/domain/todo-edit.js';
import type { Priority, Todo } from '../core/domain/todos.js';
import { AppError } from '../core/errors.js';
import type { SessionService } from '../core/sessions/session.service.js';
import type { SpeakersService } from '../core/sessions/speakers.service.js';
import type { TodoService } from '../core/todos/todo.service.js';
import type { ChatUser } from '../core/domain/chat-user.js';
import type { BotOptions } from './chat-platform.js';
import { ensureMayChange, type ChangeGate } from './may-change.js';

/** A todo as a chat form shows it and a person sends it back: plain text, the owner as people see it. */
export interface TodoForm {
  task: string;
  /** The owner's shown name ("Maria", "Speaker 2", "Ben"); empty for nobody. */
  owner: string;
  /** The due phrase; empty for none. */
  due: string;
  priority: Priority;
}

/** A meeting's todo list with what typed owners are matched against: its speakers' names. */
export interface MeetingTodos {
  todos: Todo[];
  names: SpeakerNames;
}

/**
 * The todos and speakers' names of a meeting, as a form about to be opened or submitted needs them: only those
 * two are read (not the transcript), since Slack wants a form's answer within 3 seconds.
 */
export async function meetingTodos(ctx: { todos: Pick<TodoService, 'list'>; speakers: Pick<SpeakersService, 'names'> }, sessionId: string): Promise<MeetingTodos> {
  const [todos, names] = await Promise.all([ctx.todos.list(sessionId), ctx.speakers.names(sessionId)]);
  // A results message exists only once the todos were stored: none now means the meeting was deleted.
  if (!todos) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.');
  return { todos, names };
}

/** The stored values a form starts from: what the editor saw (`seen` for TodoService.edit). */
export const fieldsOf = (todo: Todo): TodoFields => ({ task: todo.task, assignee: todo.assignee, due: todo.due, priority: todo.priority });

/** A todo as its form shows it: the owner by the name people know them by. */
export function formOf(todo: Todo, names: SpeakerNames): TodoForm {
  return { task: todo.task, owner: todo.assignee === null ? '' : speakerName(todo.assignee, names), due: todo.due ?? '', priority: todo.priority };
}

/** What a person sent, as stored values: an owner typed as a speaker's shown name becomes that speaker's label. */
export function typedFields(form: TodoForm, meeting: Pick<MeetingTodos, 'names'>): TodoFields {
  return { task: form.task, assignee: ownerFromShown(form.owner.trim() || null, meeting.names), due: form.due.trim() || null, priority: form.priority };
}

/** A change a person asked for in chat. */
export type TodoChange =
  | { kind: 'edit'; sessionId: string; todoId: string; fields: TodoFields; seen: TodoFields }
  | { kind: 'add'; sessionId: string; fields: TodoFields }
  | { kind: 'remove'; sessionId: string; todoId: string };

/**
 * The one place chat acts on a person's change to a todo, on either platform: refused (NOT_ALLOWED, its
 * sentence for that person alone) unless they shared the recording or are in its channel (sessionToChange), then
 * saved through the todo service (no lost update, a conflicting edit refused). Returns the todo as
 * saved (as it was, for a removal). The caller answers the person, then re-renders the results once
 * (`todosChanged`): Slack wants a form's answer within 3 seconds, before any message edit.
 */
export async function changeTodo(ctx: ChangeGate & Pick<BotOptions, 'todos'> & { sessions: Pick<SessionService, 'get'> }, change: TodoChange, user: ChatUser, by: string): Promise<Todo> {
  await ensureMayChange(ctx, change.sessionId, user);
  const { todos } = ctx;
  if (change.kind === 'edit') return todos.edit(change.sessionId, change.todoId, change.fields, by, change.seen);
  if (change.kind === 'add') return todos.add(change.sessionId, change.fields, by);
  return todos.remove(change.sessionId, change.todoId, by);
}
