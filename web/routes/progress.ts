import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { notFoundJson } from '../not-found.js';
import { sessionParams, tokenQuery } from '../plugins/authorize.js';
import { ProgressStreams, ROUTE, type ProgressStreamsDeps } from '../progress-stream.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

/** `?follow=todos` keeps the stream open after COMPLETED (todo events) and FAILED (a retry) (the page's script asks for it). */
const querystring = tokenQuery.extend({ follow: z.unknown().optional() });

/** The session's live progress as Server-Sent Events (web/progress-stream.ts); streams end when the server closes. */
export const progressRoutes: FastifyPluginAsync<ProgressStreamsDeps> = async (app, deps) => {
  const streams = new ProgressStreams(deps);
  app.addHook('preClose', async () => streams.closeAll());

  app
    .withTypeProvider<ZodTypeProvider>()
    .get(ROUTE, { schema: { params: sessionParams, querystring }, preHandler: app.authorize(notFoundJson) }, async (request, reply) => {
      const header = request.headers['last-event-id'];
      const lastEventId = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : -1;
      const followTodos = request.query.follow === 'todos';
      await streams.serve(reply, { sessionId: request.sessionId, lastEventId, followTodos }, () => notFoundJson(reply));
      return reply;
    });
};
