import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/app.js';
import { withOwnerFromShown } from '../../core/domain/todo-edit.js';
import { isAppError } from '../../core/errors.js';
import { AUTHORIZED } from '../../core/sessions/session.service.js';
import { statusOfCode } from '../http-errors.js';
import type { NotFound } from '../not-found.js';
import { sessionParams, tokenQuery, versionQuery } from '../plugins/authorize.js';
import { crossSite } from '../same-origin.js';
import type { SessionStates } from '../session-state.js';
import { formTodoFields } from '../todo-input.js';
import { renderMessagePage, renderStatusPage } from '../views/status-page.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

export interface StatusPageOptions {
  states: SessionStates;
  sessions: Pick<Core, 'config' | 'sessionService' | 'todos' | 'speakers' | 'notes' | 'questions'>;
  notFoundPage: NotFound;
}

/** A form another website posted: nothing done, and where to do it instead. */
const fromElsewhere = (nothing: string, doItThere: string) => `This form was sent from another website, so ${nothing}. Open the meeting’s page and ${doItThere} there.`;
const CROSS_SITE = fromElsewhere('nothing was saved', 'tick the todos');
const CROSS_SITE_RETRY = fromElsewhere('nothing was started', 'try again');
const CROSS_SITE_TODO = fromElsewhere('nothing was changed', 'change the todos');
const BAD_FORM = 'This form was not understood, so nothing was saved. Open the meeting’s page and try again there.';
const CROSS_SITE_NAMES = fromElsewhere('no name was saved', 'name the speakers');
const CROSS_SITE_RENAME = fromElsewhere('nothing was renamed', 'rename it');
const CROSS_SITE_REGENERATE = fromElsewhere('nothing was started', 'regenerate the notes');
const CROSS_SITE_QUESTION = fromElsewhere('nothing was asked', 'ask');
const NO_RECORDING = 'This recording never finished uploading, so there is nothing to start again from. Please upload it again.';
/** What the page's form handlers read of a request. */
type FormRequest = Pick<FastifyRequest, 'sessionId' | 'body' | 'routeOptions'> & { query: { t?: string } };
/** A `shown=` entry of the form: a todo id and whether its box was ticked when the page was rendered. */
const SHOWN = /^(.{1,64}):([01])$/;

/** The status page of a session (`/s/:id?t=TOKEN`, the link posted in threads), its todo forms, its speaker forms, its retry button and its regenerate form. */
export const statusPageRoutes: FastifyPluginAsync<StatusPageOptions> = async (app, { states, sessions, notFoundPage }) => {
  const page = app.withTypeProvider<ZodTypeProvider>();
  const authorized = app.authorize(notFoundPage);
  const messagePage = (reply: FastifyReply, status: number, title: string, message: string) =>
    reply.code(status).type('text/html; charset=utf-8').send(renderMessagePage(title, message));
  /** The page's forms, after the token: a post from another website is refused with `refusal`, acting on nothing. */
  const form = <P extends typeof sessionParams>(title: string, refusal: string, params: P = sessionParams as P) => ({
    schema: { params, querystring: tokenQuery },
    preHandler: [
      authorized,
      async (request: FastifyRequest, reply: FastifyReply) =>
        crossSite(request, sessions.config.web.publicBaseUrl) ? messagePage(reply, 403, title, refusal) : undefined,
    ],
  });
  /** A 303 to the session's page: relative (the app may be served under a path), from however deep the form's route is. */
  const backToPage = (request: FormRequest, reply: FastifyReply, anchor = '') => {
    const up = '../'.repeat(request.routeOptions.url!.split('/').length - 3);
    return reply.redirect(`${up}${request.sessionId}?t=${encodeURIComponent(request.query.t!)}${anchor}`, 303);
  };
  /**
   * A form that changes the notes: `change` gets its fields and says where on the page to come back to; a
   * refusal (an unknown todo, an invalid one, an edit conflict, an unknown speaker) is a page with its sentence.
   */
  const saveForm = async (
    request: FormRequest,
    reply: FastifyReply,
    change: (fields: URLSearchParams) => Promise<string | null>,
  ) => {
    const { sessionId } = request;
    if (!(request.body instanceof URLSearchParams) || !(await sessions.sessionService.get(sessionId))) return notFoundPage(reply);
    let anchor: string | null;
    try {
      anchor = await change(request.body);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return messagePage(reply, statusOfCode(err.code), 'Not saved', err.userMessage);
    }
    return anchor === null ? messagePage(reply, 400, 'Not saved', BAD_FORM) : backToPage(request, reply, anchor);
  };

  // `?v=n` shows an earlier version of the notes, read only (docs/architecture.md#regenerating-the-notes).
  page.get('/s/:sessionId', { schema: { params: sessionParams, querystring: versionQuery }, preHandler: authorized }, async (request, reply) => {
    let state;
    try {
      state = await states.load(request.sessionId, request.query.v);
    } catch (err) {
      if (!(isAppError(err) && err.code === 'VERSION_NOT_FOUND')) throw err;
      return messagePage(reply, statusOfCode(err.code), 'No such version', err.userMessage);
    }
    if (!state) return notFoundPage(reply);
    return reply.type('text/html; charset=utf-8').send(renderStatusPage(state, request.query.t!));
  });

  // Without JavaScript the todo list is a form: only the todos whose box changed since the page was
  // rendered are saved, so a stale page never undoes someone else's tick. The form is saved at once.
  page.post('/s/:sessionId/todos', form('Not saved', CROSS_SITE), async (request, reply) => {
    const { sessionId } = request;
    if (!(request.body instanceof URLSearchParams) || !(await sessions.sessionService.get(sessionId))) return notFoundPage(reply);
    try {
      await sessions.todos.service.setMany(sessionId, changedBoxes(request.body), null);
    } catch (err) {
      // The list not written yet (or the meeting gone): the page shows what is there.
      if (!(isAppError(err) && statusOfCode(err.code) === 404)) throw err;
    }
    return backToPage(request, reply, '#todos');
  });

  // Naming speakers: the link is the authorization, as for ticks. Each field is a label and the name to give
  // it (empty: back to "Speaker n"); a label the transcript does not have is refused with the service's sentence.
  page.post('/s/:sessionId/speakers', form('Not saved', CROSS_SITE_NAMES), async (request, reply) =>
    saveForm(request, reply, async (fields) => {
      await sessions.speakers.nameSpeakers(request.sessionId, Object.fromEntries(fields), null);
      return '#transcript';
    }),
  );

  // Editing, adding and removing todos without JavaScript; the link is the authorization, as for ticks. The
  // edit form sends every field twice: as the person left it and as it was shown (`seen_task`, …), so only
  // what they changed is saved and someone else's change meanwhile is refused, never overwritten unseen.
  const todoParams = sessionParams.extend({ todoId: z.string() });
  page.post('/s/:sessionId/todos/:todoId/edit', form('Not saved', CROSS_SITE_TODO, todoParams), async (request, reply) =>
    saveForm(request, reply, async (fields) => {
      const [patch, seen] = [formTodoFields(fields), formTodoFields(fields, 'seen_')];
      if (!patch || !seen) return null;
      const names = await sessions.speakers.names(request.sessionId);
      const { todoId } = request.params;
      await sessions.todos.service.edit(request.sessionId, todoId, withOwnerFromShown(patch, names), null, withOwnerFromShown(seen, names));
      return `#todo-${encodeURIComponent(todoId)}`;
    }),
  );

  page.post('/s/:sessionId/todos/:todoId/remove', form('Not removed', CROSS_SITE_TODO, todoParams), async (request, reply) =>
    saveForm(request, reply, async () => {
      await sessions.todos.service.remove(request.sessionId, request.params.todoId, null);
      return '#todos';
    }),
  );

  page.post('/s/:sessionId/todos/add', form('Not added', CROSS_SITE_TODO), async (request, reply) =>
    saveForm(request, reply, async (fields) => {
      const typed = formTodoFields(fields);
      if (!typed) return null;
      const added = await sessions.todos.service.add(request.sessionId, { ...withOwnerFromShown(typed, await sessions.speakers.names(request.sessionId)), task: typed.task ?? '' }, null);
      return `#todo-${added.id}`;
    }),
  );

  // Renaming the meeting: the link is the authorization, as for ticks. An empty title brings back the proposed one.
  page.post('/s/:sessionId/rename', form('Not renamed', CROSS_SITE_RENAME), async (request, reply) =>
    saveForm(request, reply, async (fields) => {
      const title = fields.get('title');
      if (title === null) return null;
      await sessions.sessionService.rename(request.sessionId, title, AUTHORIZED, null);
      return '';
    }),
  );

  // "Try again" on a failed session: the link is the authorization, as for ticks. Back to the page, which
  // shows it running again (or, when another retry came first, whatever it is doing now).
  page.post('/s/:sessionId/retry', form('Not started', CROSS_SITE_RETRY), async (request, reply) => {
    const { sessionId } = request;
    const result = await sessions.sessionService.retry(sessionId, AUTHORIZED);
    if (result.outcome === 'not-found') return notFoundPage(reply);
    if (result.outcome === 'no-recording') return messagePage(reply, 409, 'Cannot try again', NO_RECORDING);
    // At the owner's limit of active recordings: the service's sentence (the page has no way to stop one).
    if (result.outcome === 'too-many-active') return messagePage(reply, statusOfCode(result.error.code), 'Cannot try again', result.error.userMessage);
    return backToPage(request, reply);
  });

  // "Regenerate" on a finished session: the link is the authorization, as for ticks. Back to the page, which
  // shows the notes being rewritten and then the new version; a refusal is said on a page of its own.
  page.post('/s/:sessionId/regenerate', form('Not started', CROSS_SITE_REGENERATE), async (request, reply) => {
    const { sessionId } = request;
    const body = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    try {
      await sessions.notes.regenerate(sessionId, { instruction: body.get('instruction'), model: body.get('model') }, null);
    } catch (err) {
      if (!isAppError(err)) throw err;
      if (err.code === 'SESSION_NOT_FOUND') return notFoundPage(reply);
      return messagePage(reply, statusOfCode(err.code), 'Not started', err.userMessage);
    }
    return backToPage(request, reply);
  });

  // A question from the page's box (docs/architecture.md#questions): the link is the authorization, as for
  // ticks. Back to the page at the answer; a refusal (empty, too long, no transcript) is a page with its sentence.
  page.post('/s/:sessionId/questions', form('Not answered', CROSS_SITE_QUESTION), async (request, reply) => {
    const body = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    let asked;
    try {
      asked = await sessions.questions.ask(request.sessionId, body.get('question') ?? '', null);
    } catch (err) {
      if (!isAppError(err)) throw err;
      if (err.code === 'SESSION_NOT_FOUND') return notFoundPage(reply);
      return messagePage(reply, statusOfCode(err.code), 'Not answered', err.userMessage);
    }
    return backToPage(request, reply, `#question-${asked.id}`);
  });
};

/** The todos whose box the person changed on the page: one entry per id, whatever the form repeats. */
function changedBoxes(form: URLSearchParams): Map<string, boolean> {
  const ticked = new Set(form.getAll('done'));
  const changes = new Map<string, boolean>();
  for (const shown of form.getAll('shown')) {
    const m = SHOWN.exec(shown);
    if (!m) continue;
    const [, todoId, was] = m as unknown as [string, string, string];
    const now = ticked.has(todoId);
    if (now !== (was === '1')) changes.set(todoId, now);
  }
  return changes;
}
