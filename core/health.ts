import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `/healthz` (the process is alive) and `/readyz` (every dependency answers) for processes that have no
 * web server of their own. Orchestrators restart on the first and route on the second.
 */
export async function startHealthServer(port: number, checks: Record<string, () => Promise<void>>, host = '0.0.0.0'): Promise<HealthServer> {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.url === '/readyz') {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await check();
            return [name, 'ok'] as const;
          } catch {
            return [name, 'down'] as const;
          }
        }),
      );
      const ready = results.every(([, s]) => s === 'ok');
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready, checks: Object.fromEntries(results) }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
