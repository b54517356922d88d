import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { notFoundJson } from '../not-found.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

/** The page's script and style, read once at start-up (a Map: a name like `constructor` is no asset). */
const assets = new Map<string, { type: string; body: string }>([
  ['status.css', { type: 'text/css; charset=utf-8', body: readFileSync(new URL('../public/status.css', import.meta.url), 'utf8') }],
  ['status.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('../public/status.js', import.meta.url), 'utf8') }],
  ['upload.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('../public/upload.js', import.meta.url), 'utf8') }],
]);

export const assetRoutes: FastifyPluginAsync = async (app) => {
  app.withTypeProvider<ZodTypeProvider>().get('/assets/:name', { schema: { params: z.object({ name: z.string() }) } }, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return notFoundJson(reply);
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
  });
};
