import type { FastifyReply } from 'fastify';
import { renderNotFoundPage } from './views/status-page.js';

/** One answer for an unknown session, a missing token and a wrong one: the link reveals nothing. */
const MESSAGE = 'Nothing here. The link may be incomplete, or the recording was deleted.';
const BODY = { error: { code: 'NOT_FOUND', message: MESSAGE } };

/** How a route says "nothing here": the API in JSON, the pages as a page. */
export type NotFound = (reply: FastifyReply) => FastifyReply;

export const notFoundJson: NotFound = (reply) => reply.code(404).send(BODY);

export const notFoundPage: NotFound = (reply) => reply.code(404).type('text/html; charset=utf-8').send(renderNotFoundPage(MESSAGE));
