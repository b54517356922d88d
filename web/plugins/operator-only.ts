import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Routes for the operator's monitoring, not for the public (docs/operations.md#metrics). */
const OPERATOR_ROUTES = new Set(['/metrics', '/readyz']);
/** Set by a reverse proxy: its request comes from loopback but speaks for someone else. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (a dual-stack socket's view of 127.0.0.1). */
function isLoopback(address = ''): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return address === '::1' || (isIPv4(v4) && v4.startsWith('127.'));
}

/** Equal-length digests, so the comparison takes the same time whatever the guess. */
const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * /metrics and /readyz answer a client on this machine that no proxy forwarded, or a request carrying
 * `Authorization: Bearer <METRICS_TOKEN>`; anyone else gets the same 404 as an unknown route.
 */
export const operatorOnly = fp<{ metricsToken?: string }>(
  async (app, { metricsToken }) => {
    const expected = metricsToken === undefined ? null : digest(metricsToken);
    const hasToken = (request: FastifyRequest) => {
      const [scheme, token] = (request.headers.authorization ?? '').split(' ');
      return expected !== null && scheme === 'Bearer' && token !== undefined && timingSafeEqual(digest(token), expected);
    };
    const isLocal = (request: FastifyRequest) =>
      isLoopback(request.socket.remoteAddress) && FORWARDING_HEADERS.every((name) => request.headers[name] === undefined);

    app.addHook('onRequest', async (request, reply) => {
      if (!OPERATOR_ROUTES.has(request.routeOptions.url ?? '') || isLocal(request) || hasToken(request)) return;
      reply.callNotFound();
      return reply;
    });
  },
  { name: 'operator-only' },
);
