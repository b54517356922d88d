import type { FastifyPluginAsync } from 'fastify';
import type { Core } from '../../core/app.js';
import { isAppError } from '../../core/errors.js';
import { statusOfCode } from '../http-errors.js';
import { notFoundPage } from '../not-found.js';
import { sessionParams, tokenQuery } from '../plugins/authorize.js';
import type { SessionStates } from '../session-state.js';
import { renderStatusPage } from '../views/status-page.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

export interface StatusPageOptions {
  states: SessionStates;
  sessions: Pick<Core, 'sessionService' | 'todos'>;
}

/** The status page of a session (`/s/:id?t=TOKEN`, the link posted in threads) and its todo form. */
export const statusPageRoutes: FastifyPluginAsync<StatusPageOptions> = async (app, { states, sessions }) => {
  const page = app.withTypeProvider<ZodTypeProvider>();
  const schema = { params: sessionParams, querystring: tokenQuery };
  const authorized = app.authorize(notFoundPage);

  page.get('/s/:sessionId', { schema, preHandler: authorized }, async (request, reply) => {
    const state = await states.load(request.sessionId);
    if (!state) return notFoundPage(reply);
    return reply.type('text/html; charset=utf-8').send(renderStatusPage(state, request.query.t!));
  });

  // Without JavaScript the todo list is a form: only the todos whose box changed since the page was
  // rendered are saved, so a stale page never undoes someone else's tick.
  page.post('/s/:sessionId/todos', { schema, preHandler: authorized }, async (request, reply) => {
    const { sessionId } = request;
    if (!(request.body instanceof URLSearchParams) || !(await sessions.sessionService.get(sessionId))) return notFoundPage(reply);
    const ticked = new Set(request.body.getAll('done'));
    for (const shown of request.body.getAll('shown')) {
      const m = /^(.{1,64}):([01])$/.exec(shown);
      if (!m) continue;
      const [, todoId, was] = m as unknown as [string, string, string];
      const now = ticked.has(todoId);
      if (now === (was === '1')) continue;
      try {
        await sessions.todos.service.setCompleted(sessionId, todoId, now, null);
      } catch (err) {
        // A todo gone from the list (or the list not written yet) is skipped; the page shows what is there.
        if (!(isAppError(err) && statusOfCode(err.code) === 404)) throw err;
      }
    }
    return reply.redirect(`../${sessionId}?t=${encodeURIComponent(request.query.t!)}#todos`, 303);
  });
};
