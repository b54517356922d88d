import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isAppError } from '../../core/errors.js';
import { statusOfError } from '../http-errors.js';
import { notFoundJson } from '../not-found.js';

/** The API's answer for unknown routes and failed requests; pages with their own answers set their own handler (upload). */
export const errorHandler = fp(
  async (app) => {
    app.setNotFoundHandler((_request, reply) => notFoundJson(reply));
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const status = statusOfError(err);
      if (status >= 500) request.log.error({ err, route: request.routeOptions.url }, 'request failed');
      return reply.code(status).send({ error: errorBody(err, status) });
    });
  },
  { name: 'error-handler' },
);

/**
 * Fastify's own refusals before any route (a URL it cannot decode, a parameter over its length): the same
 * generic body as every other bad request, never echoing the path. Passed as the `frameworkErrors` option.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = statusOfError(err);
  void reply.code(status).send({ error: errorBody(err, status) });
}

function errorBody(err: unknown, status: number): { code: string; message: string } {
  // What the request named is not there (a todo off the list): the user's sentence says which.
  if (status === 404 && isAppError(err)) return { code: 'NOT_FOUND', message: err.userMessage };
  // A refusal of what was asked (an edit someone else's change overtook, an empty todo): its sentence says why.
  if (status < 500 && isAppError(err)) return { code: err.code, message: err.userMessage };
  if (status < 500) return { code: 'BAD_REQUEST', message: 'The request was not understood.' };
  return { code: status === 503 ? 'UNAVAILABLE' : 'INTERNAL', message: 'Something went wrong on our side; please try again shortly.' };
}
