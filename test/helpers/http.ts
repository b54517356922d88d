import type { IncomingMessage, Server } from 'node:http';

/** The whole request body (fakes read small uploads). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Closes a server now, dropping kept-alive and in-flight connections. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
