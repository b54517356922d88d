import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/app.js';
import { notFoundJson } from '../not-found.js';
import { sessionParams, tokenQuery, versionQuery } from '../plugins/authorize.js';
import type { SessionState, SessionStates } from '../session-state.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

export interface SessionApiOptions {
  states: SessionStates;
  sessions: Pick<Core, 'sessionService' | 'todos'>;
}

const todoId = z.string().min(1).max(64);
const completedBody = z.strictObject({ completed: z.boolean() });

/** `GET /api/sessions/:id` (what the page shows, as JSON) and ticking a todo from the page's script. */
export const sessionApiRoutes: FastifyPluginAsync<SessionApiOptions> = async (app, { states, sessions }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const authorized = app.authorize(notFoundJson);

  // `?v=n`: an earlier version of the notes (404 VERSION_NOT_FOUND when there is none such).
  api.get('/api/sessions/:sessionId', { schema: { params: sessionParams, querystring: versionQuery }, preHandler: authorized }, async (request, reply) => {
    const state = await states.load(request.sessionId, request.query.v);
    if (!state) return notFoundJson(reply);
    return sessionJson(state);
  });

  api.patch(
    '/api/sessions/:sessionId/todos/:todoId',
    {
      schema: { params: sessionParams.extend({ todoId: z.string() }), querystring: tokenQuery, body: completedBody },
      // A bad body is answered only once the token and the session are known (below).
      attachValidation: true,
      preHandler: authorized,
    },
    async (request, reply) => {
      // A deleted session answers as one that never existed, whatever token comes with it.
      if (!(await sessions.sessionService.get(request.sessionId))) return notFoundJson(reply);
      if (request.validationError) {
        return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: 'Send {"completed": true} or {"completed": false}.' } });
      }
      if (!todoId.safeParse(request.params.todoId).success) return notFoundJson(reply);
      // A todo that cannot be ticked (not ready, not on the list) is a 404 with its sentence (web/http-errors.ts).
      const todo = await sessions.todos.service.setCompleted(request.sessionId, request.params.todoId, request.body.completed, null);
      return { todo };
    },
  );
};

/** The JSON of `/api/sessions/:id`. */
export type SessionJson = ReturnType<typeof sessionJson>;

/** What the page shows, without internal references (user, chat, paths). */
function sessionJson({ session: s, progress, results, media }: SessionState) {
  return {
    session: {
      id: s.id,
      filename: s.filename,
      status: s.status,
      stage: s.stage,
      percent: s.percent,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
      contentType: s.contentType,
      durationSeconds: s.durationSeconds,
      language: s.language,
      error: s.errorCode ? { code: s.errorCode, message: s.errorMessage } : null,
    },
    progress,
    media,
    summary: results?.summary ?? null,
    todos: results?.todos ?? null,
    /** Names given to the speakers, by the label the todos' assignees and the transcript carry. */
    speakers: results?.speakers ?? {},
    /** The version of the notes `summary` and `todos` are (null until they are written), and every version there is. */
    version: results?.version ?? null,
    versions: (results?.versions ?? []).map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })),
  };
}
