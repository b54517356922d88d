import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/app.js';
import type { Logger } from '../../core/logger.js';
import type { WebMetrics } from '../metrics.js';
import { notFoundJson } from '../not-found.js';
import { sessionParams, tokenQuery } from '../plugins/authorize.js';
import { ProgressStreams, ROUTE } from '../progress-stream.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

export interface ProgressOptions {
  sessions: Pick<Core, 'sessionService' | 'bus' | 'feed' | 'todos'>;
  metrics: WebMetrics;
  /** Comment lines on idle streams, so proxies and browsers keep them open. */
  heartbeatMs: number;
  log: Logger;
}

/** The session's live progress as Server-Sent Events (web/progress-stream.ts). */
export const progressRoutes: FastifyPluginAsync<ProgressOptions> = async (app, { sessions, metrics, heartbeatMs, log }) => {
  const streams = new ProgressStreams({ sessions, todoFeed: sessions.todos.feed, metrics, heartbeatMs, log });
  app.addHook('preClose', async () => streams.closeAll());

  const querystring = tokenQuery.extend({ follow: z.unknown().optional() });
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
