import Fastify, { type FastifyPluginCallback } from 'fastify';
import { healthPort, type Config, type HealthRole } from './config.js';
import { listenOn } from './listen.js';
import { modelStates, type LocalModels } from './models/index.js';

export interface HealthOptions {
  /** Named dependency checks (Core.readiness). */
  checks: Record<string, () => Promise<void>>;
  /** The local engines' models, reported on /readyz when this process runs them. */
  models?: LocalModels;
}

/**
 * `/healthz` (the process is alive) and `/readyz` (every dependency answers), on the web server and on the
 * health port alike. Orchestrators restart on the first and route on the second (docs/operations.md#health-checks).
 */
export const healthRoutes: FastifyPluginCallback<HealthOptions> = (app, { checks, models }, done) => {
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await readinessReport(checks, models);
    return reply.code(report.ready ? 200 : 503).send(report);
  });
  done();
};

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The health routes alone, for processes that have no web server of their own: on HEALTH_HOST (loopback
 * unless set) and HEALTH_PORT, else the role's own port (docs/operations.md#health-checks).
 */
export async function startHealthServer(config: Config, role: HealthRole, health: HealthOptions): Promise<HealthServer> {
  const app = Fastify();
  await app.register(healthRoutes, health);
  app.setNotFoundHandler((_request, reply) => reply.code(404).send());
  const port = await listenOn(app, { host: config.health.host, port: healthPort(config, role), hostVariable: 'HEALTH_HOST', portVariable: 'HEALTH_PORT' });
  return { port, close: () => app.close() };
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | 'down'>;
  /** Each local engine's model, where this process runs one: present, downloading or missing (fetched on first need). */
  models?: Record<string, string>;
}

/** What /readyz answers: every check, and the models where this process runs local engines. */
async function readinessReport(checks: Record<string, () => Promise<void>>, models?: LocalModels): Promise<ReadinessReport> {
  const results = await Promise.all(
    Object.entries(checks).map(([name, check]) =>
      check().then(
        () => [name, 'ok'] as const,
        () => [name, 'down'] as const,
      ),
    ),
  );
  const report = { ready: results.every(([, s]) => s === 'ok'), checks: Object.fromEntries(results) };
  const states = models ? await modelStates(models) : {};
  return Object.keys(states).length > 0 ? { ...report, models: states } : report;
}
