import fp from 'fastify-plugin';
import type { WebMetrics } from '../metrics.js';

/** Counts every answer by route pattern (never the URL: it carries tokens) and serves /metrics (docs/operations.md#metrics). */
export const metricsRoutes = fp<{ metrics: WebMetrics }>(
  async (app, { metrics }) => {
    app.addHook('onResponse', async (request, reply) => {
      if (metrics.countsItself(reply.raw)) return;
      metrics.request(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    });
    app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()));
  },
  { name: 'metrics' },
);
