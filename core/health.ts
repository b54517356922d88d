import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { modelStates, type LocalModels } from './models/index.js';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `/healthz` (the process is alive) and `/readyz` (every dependency answers) for processes that have no
 * web server of their own. Orchestrators restart on the first and route on the second.
 */
export async function startHealthServer(
  port: number,
  checks: Record<string, () => Promise<void>>,
  models?: LocalModels,
  host = '0.0.0.0',
): Promise<HealthServer> {
  // A failed readiness report answers 500 instead of leaving the request open and the rejection unhandled.
  const server = http.createServer((req, res) => {
    answer(req, res).catch(() => (res.headersSent ? res.destroy() : res.writeHead(500).end()));
  });
  const answer = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.url === '/readyz') {
      const report = await readinessReport(checks, models);
      res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
      return;
    }
    res.writeHead(404).end();
  };
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | 'down'>;
  /** Each local engine's model, where this process runs one: present, downloading or missing (fetched on first need). */
  models?: Record<string, string>;
}

/** What /readyz answers, on the health port and on the web server alike. */
export async function readinessReport(checks: Record<string, () => Promise<void>>, models?: LocalModels): Promise<ReadinessReport> {
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
