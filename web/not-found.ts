import type { FastifyReply } from 'fastify';
import { renderMessagePage } from './views/status-page.js';

/** One answer for an unknown session, a missing token and a wrong one: the link reveals nothing. */
const MESSAGE = 'Nothing here. The link may be incomplete, or the recording was deleted.';
const BODY = { error: { code: 'NOT_FOUND', message: MESSAGE } };

/** How a route says "nothing here": the API in JSON, the pages as a page. */
export type NotFound = (reply: FastifyReply) => FastifyReply;

export const notFoundJson: NotFound = (reply) => reply.code(404).send(BODY);

/** The pages' answer; where this server takes uploads it links back to the form (`uploadPage`, else null). */
export function notFoundPage(uploadPage: string | null): NotFound {
  const page = renderMessagePage('Not found', MESSAGE, uploadPage);
  return (reply) => reply.code(404).type('text/html; charset=utf-8').send(page);
}
