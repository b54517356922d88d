import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './http.js';

/** Serves `video` at /standup.mp4 on 127.0.0.1 (the allow-listed address); any other path is a dead link. */
export async function startLinkServer(video: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/standup.mp4') res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(video);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

/** A listener on 127.0.0.2, outside the allow-list, that counts connections: a link there must reach it never. */
export async function startForbiddenTarget(): Promise<{ url: string; connections: number; close(): Promise<void> }> {
  let connections = 0;
  const server = http.createServer((_req, res) => res.end('secret'));
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
  return {
    url: `http://127.0.0.2:${(server.address() as AddressInfo).port}/standup.mp4`,
    get connections() {
      return connections;
    },
    close: () => closeServer(server),
  };
}
