import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Core } from '../core/app.js';
import { required } from '../core/config.js';
import { healthRoutes } from '../core/health.js';
import { listenOn } from '../core/listen.js';
import type { LocalModels } from '../core/models/index.js';
import { WebMetrics } from './metrics.js';
import { authorization } from './plugins/authorize.js';
import { bodyProgress } from './plugins/body-progress.js';
import { notFoundPage } from './not-found.js';
import { errorHandler, frameworkErrors } from './plugins/error-handler.js';
import { metricsRoutes } from './plugins/metrics.js';
import { operatorOnly } from './plugins/operator-only.js';
import { securityHeaders } from './plugins/security-headers.js';
import { assetRoutes } from './routes/assets.js';
import { exportRoutes } from './routes/exports.js';
import { localMediaRoutes } from './routes/local-media.js';
import { progressRoutes } from './routes/progress.js';
import { searchRoutes } from './routes/search.js';
import { sessionApiRoutes } from './routes/session-api.js';
import { statusPageRoutes } from './routes/status-page.js';
import { uploadRoutes, uploadsEnabled } from './routes/upload.js';
import { SessionStates } from './session-state.js';
import { zodValidatorCompiler } from './zod-type-provider.js';

export type { SearchJson } from './routes/search.js';
export type { SessionJson } from './routes/session-api.js';

/** The parts of the core the web server uses. */
export type WebDeps = Pick<Core, 'config' | 'log' | 'sessionService' | 'speakers' | 'notes' | 'questions' | 'todos' | 'bus' | 'feed' | 'readiness' | 'mediaLinks'>;

export interface WebOptions {
  /** LINK_SECRET: verifies the capability token of every session route. */
  linkSecret: string;
  /** Comment lines on idle event streams, so proxies and browsers keep them open. */
  heartbeatMs?: number;
  /** How long a link upload may take to be refused before the browser goes to its status page (web/routes/upload.ts). */
  linkWaitMs?: number;
  /** The local engines' models, reported on /readyz when this process runs them (`npm start`). */
  models?: LocalModels;
  /** Readiness checks beyond the core's: the AI engines, when this process runs them (`npm start`). */
  engineChecks?: Record<string, () => Promise<void>>;
}

const KEEP_ALIVE_MS = 5_000;
const HEADERS_TIMEOUT_MS = 20_000;

/**
 * The status page, its JSON API and event stream, uploads, health and metrics: one plugin per surface,
 * after the cross-cutting ones (docs/architecture.md#the-web-server).
 */
export function buildWebApp(deps: WebDeps, options: WebOptions): FastifyInstance {
  const log = deps.log.child({ component: 'web' });
  const loggerInstance: FastifyBaseLogger = log;
  const app = Fastify({
    loggerInstance,
    // Request lines are not logged by fastify: their URLs carry capability tokens.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors,
    // An idle kept-alive connection is closed soon (fastify's default keeps it 72 s); a request's body is
    // watched by body-progress instead of a total time, which a long upload on a slow line would exceed.
    keepAliveTimeout: KEEP_ALIVE_MS,
  });
  // A client that sends its request line and headers slowly is cut: no socket is held before a route sees it.
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  app.setValidatorCompiler(zodValidatorCompiler);
  // The no-script forms (a link upload, the todo list) post url-encoded fields.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
    done(null, new URLSearchParams(String(body))),
  );
  const metrics = new WebMetrics();
  const states = new SessionStates(deps);
  const { servedByWeb } = deps.mediaLinks;
  // A page's "nothing here" links back to the upload form where there is one.
  const notFound = notFoundPage(uploadsEnabled(deps.config) ? deps.config.web.publicBaseUrl : null);

  app.register(bodyProgress, deps.config.web.bodyProgress);
  app.register(securityHeaders, { mediaSources: deps.mediaLinks.mediaSources });
  app.register(errorHandler);
  app.register(metricsRoutes, { metrics });
  app.register(operatorOnly, { metricsToken: deps.config.web.metricsToken });
  app.register(authorization, { linkSecret: options.linkSecret });

  app.register(healthRoutes, { checks: { ...deps.readiness, ...options.engineChecks }, models: options.models });
  app.register(assetRoutes);
  app.register(uploadRoutes, { sessions: deps, linkSecret: options.linkSecret, linkWaitMs: options.linkWaitMs ?? 2000 });
  app.register(statusPageRoutes, { states, sessions: deps, notFoundPage: notFound });
  app.register(exportRoutes, { sessions: deps, linkSecret: options.linkSecret, notFoundPage: notFound });
  if (servedByWeb) app.register(localMediaRoutes, { files: servedByWeb, sessions: deps, notFoundPage: notFound });
  app.register(sessionApiRoutes, { states, sessions: deps });
  app.register(searchRoutes, { sessions: deps, linkSecret: options.linkSecret });
  app.register(progressRoutes, { sessions: deps, metrics, heartbeatMs: options.heartbeatMs ?? 15_000, log });
  return app;
}

export interface RunningWeb {
  app: FastifyInstance;
  port: number;
  close(): Promise<void>;
}

/** Builds the app with the configured LINK_SECRET and listens on WEB_HOST and WEB_PORT (0: any free port). */
export async function startWeb(deps: WebDeps, options: Pick<WebOptions, 'models' | 'engineChecks'> = {}): Promise<RunningWeb> {
  const { host, port, linkSecret } = deps.config.web;
  const app = buildWebApp(deps, { linkSecret: required(linkSecret, 'LINK_SECRET'), ...options });
  const bound = await listenOn(app, { host, port, hostVariable: 'WEB_HOST', portVariable: 'WEB_PORT' });
  return { app, port: bound, close: () => app.close() };
}
