import { z } from 'zod';
import { isAppError } from '../../../../core/errors.js';
import { changeTodo, meetingTodos, typedFields, type TodoChange } from '../../../todo-form.js';
import { parseTodoModalMeta, readTodoForm, TODO_INPUTS } from '../../blocks/todo-modal.js';
import { chatUser, type SlackContext } from '../../context.js';
import { personOf } from '../actions/click.js';

const submissionSchema = z.object({
  team: z.object({ id: z.string() }),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  view: z.object({ private_metadata: z.string(), state: z.object({ values: z.unknown() }) }),
});

/** Errors shown in the modal, by input block (`response_action: errors`); undefined closes it. */
export type FormAnswer = { response_action: 'errors'; errors: Record<string, string> } | undefined;

/**
 * A todo form submitted: the edit (with what the editor saw, so a field someone else changed meanwhile is
 * refused, not overwritten) or the new todo is saved before Slack is answered (`answer`, within its 3
 * seconds), so a refusal shows in the form itself and the person can fix it; then the results are re-rendered.
 */
export async function handleTodoFormSubmit(ctx: SlackContext, body: unknown, answer: (a: FormAnswer) => Promise<void>): Promise<void> {
  const submission = submissionSchema.parse(body);
  const meta = parseTodoModalMeta(submission.view.private_metadata);
  if (!meta) throw new Error('todo form without its metadata');
  try {
    const fields = typedFields(readTodoForm(submission.view.state.values), await meetingTodos(ctx, meta.sessionId));
    const change: TodoChange = 'todoId' in meta ? { kind: 'edit', ...meta, fields } : { kind: 'add', sessionId: meta.sessionId, fields };
    await changeTodo(ctx, change, chatUser(submission.team.id, submission.user.id), personOf(submission.user));
  } catch (err) {
    if (!isAppError(err)) throw err;
    ctx.log.info({ sessionId: meta.sessionId, code: err.code }, 'slack todo form refused');
    await answer({ response_action: 'errors', errors: { [TODO_INPUTS.task]: err.userMessage } });
    return;
  }
  await answer(undefined);
  await ctx.todosChanged(meta.sessionId);
}
