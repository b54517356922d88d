import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { verifySessionToken } from '../../core/links.js';
import type { NotFound } from '../not-found.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session whose capability token the request carries; set by `authorize` before the handler runs. */
    sessionId: string;
  }
  interface FastifyInstance {
    /** The preHandler of every session route: answers `notFound` unless the token is the session's. */
    authorize(notFound: NotFound): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  }
}

/** A session route's params; never refused by validation, so a bad id answers as not found, not as 400. */
export const sessionParams = z.object({ sessionId: z.string() });
/** The capability token (`?t=`); anything but one string is no token. */
export const tokenQuery = z.object({ t: z.string().optional().catch(undefined) });
/** The token, and `v`: which version of the notes to show (the current one when absent or not a number). */
export const versionQuery = tokenQuery.extend({ v: z.coerce.number().int().positive().optional().catch(undefined) });

/**
 * Capability links (docs/architecture.md#status-page-links): the token is checked before anything is looked
 * up, and an unknown session, a missing token and a wrong one get the same answer.
 */
export const authorization = fp<{ linkSecret: string }>(
  async (app, { linkSecret }) => {
    const verifiedSessionId = (request: FastifyRequest): string | null => {
      const params = sessionParams.safeParse(request.params);
      const query = tokenQuery.safeParse(request.query);
      if (!params.success || !query.success || !z.uuid().safeParse(params.data.sessionId).success) return null;
      return verifySessionToken(params.data.sessionId, query.data.t, linkSecret) ? params.data.sessionId : null;
    };
    app.decorateRequest('sessionId', '');
    app.decorate('authorize', (notFound: NotFound) => async (request: FastifyRequest, reply: FastifyReply) => {
      const sessionId = verifiedSessionId(request);
      if (!sessionId) return notFound(reply);
      request.sessionId = sessionId;
      return undefined;
    });
  },
  { name: 'authorize' },
);
