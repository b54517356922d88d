import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/app.js';
import { required } from '../core/config.js';
import { isAppError } from '../core/errors.js';
import { readinessReport } from '../core/health.js';
import type { LocalModels } from '../core/models/index.js';
import { parseRefPath } from '../core/domain/storage-layout.js';
import { verifySessionToken } from '../core/links.js';
import { LocalObjectStore } from '../core/storage/local.object-store.js';
import { S3ObjectStore } from '../core/storage/s3.object-store.js';
import { localMediaLink, registerLocalMedia } from './local-media.js';
import { WebMetrics } from './metrics.js';
import { ProgressStreams, ROUTE as PROGRESS_ROUTE } from './progress-stream.js';
import { presignedMediaLink, SessionStates, type SessionState } from './session-state.js';
import { registerUploadRoutes } from './upload.js';
import { renderNotFoundPage, renderStatusPage } from './views/status-page.js';

export interface WebOptions {
  /** LINK_SECRET: verifies the capability token of every session route. */
  linkSecret: string;
  /** Comment lines on idle event streams, so proxies and browsers keep them open. */
  heartbeatMs?: number;
  /** Lifetime of the presigned media link on the page (S3 only: local media carries the page's token). */
  mediaLinkSeconds?: number;
  /** How long a link upload may take to be refused before the browser goes to its status page (web/upload.ts). */
  linkWaitMs?: number;
  /** The local engines' models, reported on /readyz when this process runs them (`npm start`). */
  models?: LocalModels;
}

/** One answer for an unknown session, a missing token and a wrong one: the link reveals nothing. */
const NOT_FOUND_MESSAGE = 'Nothing here. The link may be incomplete, or the recording was deleted.';
const NOT_FOUND_BODY = { error: { code: 'NOT_FOUND', message: NOT_FOUND_MESSAGE } };

const assets: Record<string, { type: string; body: string }> = {
  'status.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./public/status.css', import.meta.url), 'utf8') },
  'status.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./public/status.js', import.meta.url), 'utf8') },
  'upload.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./public/upload.js', import.meta.url), 'utf8') },
};

const sessionParams = z.object({ sessionId: z.string() });
const todoParams = z.object({ sessionId: z.string(), todoId: z.string().min(1).max(64) });
const tokenQuery = z.object({ t: z.string().optional() });
const patchBody = z.strictObject({ completed: z.boolean() });

/** The page's security headers: scripts and styles only from here, media only from the store (or here, for the local store), no referrer (the URL is a capability). */
function contentSecurityPolicy(mediaSources: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `media-src ${mediaSources}`,
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The status page, its JSON API and event stream, health and metrics (docs/architecture.md#the-web-server). */
export function buildWebApp(core: Core, options: WebOptions): FastifyInstance {
  const log = core.log.child({ component: 'web' });
  const loggerInstance: FastifyBaseLogger = log;
  // Request lines are not logged by fastify: their URLs carry capability tokens.
  const app = Fastify({ loggerInstance, logController: new LogController({ disableRequestLogging: true }) });
  const { todos } = core;
  const metrics = new WebMetrics();
  const { s3, web } = core.config;
  // The local store has no server of its own: this process serves its recordings (web/local-media.ts),
  // under PUBLIC_BASE_URL, which the CSP names beside 'self' in case the page was reached another way.
  const localStore = core.store instanceof LocalObjectStore ? core.store : null;
  const mediaLink = localStore
    ? localMediaLink(web.publicBaseUrl, options.linkSecret)
    : presignedMediaLink(
        s3.publicEndpoint === s3.endpoint ? core.store : new S3ObjectStore({ ...s3, endpoint: s3.publicEndpoint }),
        options.mediaLinkSeconds ?? 6 * 60 * 60,
      );
  const states = new SessionStates(core, mediaLink);
  const streams = new ProgressStreams({ core, todoFeed: todos.feed, metrics, heartbeatMs: options.heartbeatMs ?? 15_000, log });
  const csp = contentSecurityPolicy(localStore ? `'self' ${new URL(web.publicBaseUrl).origin}` : new URL(s3.publicEndpoint).origin);

  /** The session id when the request carries its valid token; checked before anything is looked up. */
  const authorize = (params: unknown, query: unknown): string | null => {
    const p = sessionParams.safeParse(params);
    const q = tokenQuery.safeParse(query);
    if (!p.success || !q.success || !z.uuid().safeParse(p.data.sessionId).success) return null;
    return verifySessionToken(p.data.sessionId, q.data.t, options.linkSecret) ? p.data.sessionId : null;
  };
  const notFoundJson = (reply: FastifyReply) => reply.code(404).send(NOT_FOUND_BODY);
  const notFoundPage = (reply: FastifyReply) => reply.code(404).type('text/html; charset=utf-8').send(renderNotFoundPage(NOT_FOUND_MESSAGE));

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
    done(null, new URLSearchParams(String(body))),
  );

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (request.url.startsWith('/s/') || request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) reply.header('content-security-policy', csp);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (streams.isStream(reply.raw)) return;
    metrics.request(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
  });
  app.addHook('preClose', async () => streams.closeAll());

  app.setNotFoundHandler((_request, reply) => notFoundJson(reply));
  app.setErrorHandler((err, request, reply) => {
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: { code: 'BAD_REQUEST', message: 'The request was not understood.' } });
    const unavailable = isAppError(err) && err.retryable;
    request.log.error({ err, route: request.routeOptions.url }, 'request failed');
    return reply
      .code(unavailable ? 503 : 500)
      .send({ error: { code: unavailable ? 'UNAVAILABLE' : 'INTERNAL', message: 'Something went wrong on our side; please try again shortly.' } });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await readinessReport(core.readiness, options.models);
    return reply.code(report.ready ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()));
  app.get('/assets/:name', async (request, reply) => {
    const asset = assets[(request.params as { name: string }).name];
    if (!asset) return notFoundJson(reply);
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
  });

  registerUploadRoutes(app, { core, linkSecret: options.linkSecret, linkWaitMs: options.linkWaitMs ?? 2000 });

  app.get('/s/:sessionId', async (request, reply) => {
    const id = authorize(request.params, request.query);
    const state = id && (await states.load(id));
    if (!state) return notFoundPage(reply);
    return reply.type('text/html; charset=utf-8').send(renderStatusPage(state, tokenQuery.parse(request.query).t!));
  });

  if (localStore) {
    registerLocalMedia(app, {
      store: localStore,
      authorize,
      notFound: notFoundPage,
      recording: async (id) => {
        const session = await core.sessionService.get(id);
        return session?.videoPath ? { ref: parseRefPath(session.videoPath), contentType: session.contentType } : null;
      },
    });
  }

  app.get('/api/sessions/:sessionId', async (request, reply) => {
    const id = authorize(request.params, request.query);
    const state = id && (await states.load(id));
    if (!state) return notFoundJson(reply);
    return sessionJson(state);
  });

  app.get(PROGRESS_ROUTE, async (request, reply) => {
    const sessionId = authorize(request.params, request.query);
    if (!sessionId) return notFoundJson(reply);
    const header = request.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : -1;
    const followTodos = (request.query as Record<string, unknown>).follow === 'todos';
    await streams.serve(reply, { sessionId, lastEventId, followTodos }, () => notFoundJson(reply));
    return reply;
  });

  app.patch('/api/sessions/:sessionId/todos/:todoId', async (request, reply) => {
    const sessionId = authorize(request.params, request.query);
    // A deleted session answers as one that never existed, whatever token comes with it.
    if (!sessionId || !(await core.sessionService.get(sessionId))) return notFoundJson(reply);
    const body = patchBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: 'Send {"completed": true} or {"completed": false}.' } });
    const params = todoParams.safeParse(request.params);
    if (!params.success) return notFoundJson(reply);
    try {
      const todo = await todos.service.setCompleted(sessionId, params.data.todoId, body.data.completed, null);
      return { todo };
    } catch (err) {
      if (isAppError(err) && err.code === 'SESSION_NOT_FOUND') return reply.code(404).send({ error: { code: 'NOT_FOUND', message: err.userMessage } });
      throw err;
    }
  });

  // Without JavaScript the todo list is a form: only the todos whose box changed since the page was
  // rendered are saved, so a stale page never undoes someone else's tick.
  app.post('/s/:sessionId/todos', async (request, reply) => {
    const sessionId = authorize(request.params, request.query);
    if (!sessionId || !(request.body instanceof URLSearchParams) || !(await core.sessionService.get(sessionId))) return notFoundPage(reply);
    const ticked = new Set(request.body.getAll('done'));
    for (const shown of request.body.getAll('shown')) {
      const m = /^(.{1,64}):([01])$/.exec(shown);
      if (!m) continue;
      const [, todoId, was] = m as unknown as [string, string, string];
      const now = ticked.has(todoId);
      if (now === (was === '1')) continue;
      try {
        await todos.service.setCompleted(sessionId, todoId, now, null);
      } catch (err) {
        if (!(isAppError(err) && err.code === 'SESSION_NOT_FOUND')) throw err;
      }
    }
    const token = tokenQuery.parse(request.query).t!;
    return reply.redirect(`../${sessionId}?t=${encodeURIComponent(token)}#todos`, 303);
  });

  return app;
}

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
  };
}

export interface RunningWeb {
  app: FastifyInstance;
  port: number;
  close(): Promise<void>;
}

/** Builds the app with the configured LINK_SECRET and listens on `port` (0: any free port). */
export async function startWeb(core: Core, port: number, options: Pick<WebOptions, 'models'> & { host?: string } = {}): Promise<RunningWeb> {
  const app = buildWebApp(core, { linkSecret: required(core.config.web.linkSecret, 'LINK_SECRET'), models: options.models });
  await app.listen({ port, host: options.host ?? '0.0.0.0' });
  return { app, port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}
