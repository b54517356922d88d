import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/app.js';
import { isAppError } from '../../core/errors.js';
import { statusOfCode } from '../http-errors.js';
import type { NotFound } from '../not-found.js';
import { sessionParams, tokenQuery, versionQuery } from '../plugins/authorize.js';
import { crossSite } from '../same-origin.js';
import type { SessionStates } from '../session-state.js';
import { renderMessagePage, renderStatusPage } from '../views/status-page.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

export interface StatusPageOptions {
  states: SessionStates;
  sessions: Pick<Core, 'config' | 'sessionService' | 'todos' | 'speakers' | 'notes'>;
  notFoundPage: NotFound;
}

const CROSS_SITE = 'This form was sent from another website, so nothing was saved. Open the meeting’s page and tick the todos there.';
const CROSS_SITE_RETRY = 'This form was sent from another website, so nothing was started. Open the meeting’s page and try again there.';
const CROSS_SITE_NAMES = 'This form was sent from another website, so no name was saved. Open the meeting’s page and name the speakers there.';
const CROSS_SITE_REGENERATE = 'This form was sent from another website, so nothing was started. Open the meeting’s page and regenerate the notes there.';
const NO_RECORDING = 'This recording never finished uploading, so there is nothing to start again from. Please upload it again.';
/** A `shown=` entry of the form: a todo id and whether its box was ticked when the page was rendered. */
const SHOWN = /^(.{1,64}):([01])$/;

/** The status page of a session (`/s/:id?t=TOKEN`, the link posted in threads), its todo form, its speaker forms, its retry button and its regenerate form. */
export const statusPageRoutes: FastifyPluginAsync<StatusPageOptions> = async (app, { states, sessions, notFoundPage }) => {
  const page = app.withTypeProvider<ZodTypeProvider>();
  const schema = { params: sessionParams, querystring: tokenQuery };
  const authorized = app.authorize(notFoundPage);
  const messagePage = (reply: FastifyReply, status: number, title: string, message: string) =>
    reply.code(status).type('text/html; charset=utf-8').send(renderMessagePage(title, message));
  /** The page's forms, after the token: a post from another website is refused with `refusal`, acting on nothing. */
  const form = (title: string, refusal: string) => ({
    schema,
    preHandler: [
      authorized,
      async (request: FastifyRequest, reply: FastifyReply) =>
        crossSite(request, sessions.config.web.publicBaseUrl) ? messagePage(reply, 403, title, refusal) : undefined,
    ],
  });
  const backToPage = (reply: FastifyReply, sessionId: string, token: string | undefined, anchor = '') =>
    reply.redirect(`../${sessionId}?t=${encodeURIComponent(token!)}${anchor}`, 303);

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
    return backToPage(reply, sessionId, request.query.t, '#todos');
  });

  // Naming speakers: the link is the authorization, as for ticks. Each field is a label and the name to give
  // it (empty: back to "Speaker n"); a label the transcript does not have is refused with the service's sentence.
  page.post('/s/:sessionId/speakers', form('Not saved', CROSS_SITE_NAMES), async (request, reply) => {
    const { sessionId } = request;
    if (!(request.body instanceof URLSearchParams) || !(await sessions.sessionService.get(sessionId))) return notFoundPage(reply);
    try {
      await sessions.speakers.nameSpeakers(sessionId, Object.fromEntries(request.body), null);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return messagePage(reply, statusOfCode(err.code), 'Not saved', err.userMessage);
    }
    return backToPage(reply, sessionId, request.query.t, '#transcript');
  });

  // "Try again" on a failed session: the link is the authorization, as for ticks. Back to the page, which
  // shows it running again (or, when another retry came first, whatever it is doing now).
  page.post('/s/:sessionId/retry', form('Not started', CROSS_SITE_RETRY), async (request, reply) => {
    const { sessionId } = request;
    const result = await sessions.sessionService.retry(sessionId, null, false);
    if (result.outcome === 'not-found') return notFoundPage(reply);
    if (result.outcome === 'no-recording') return messagePage(reply, 409, 'Cannot try again', NO_RECORDING);
    return backToPage(reply, sessionId, request.query.t);
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
    return backToPage(reply, sessionId, request.query.t);
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
