import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { operatorOnly } from './operator-only.js';

const TOKEN = 'metrics-token-0123456789';

async function app(metricsToken?: string) {
  const server = Fastify();
  // Like the web's: one answer whatever the URL.
  server.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'NOT_FOUND' }));
  await server.register(operatorOnly, { metricsToken });
  server.get('/metrics', async () => 'numbers');
  server.get('/readyz', async () => ({ ready: true }));
  server.get('/healthz', async () => ({ status: 'ok' }));
  return server;
}

describe('operator-only routes (/metrics, /readyz)', () => {
  it.each(['127.0.0.1', '127.0.0.53', '::1', '::ffff:127.0.0.1'])('answer a client on this machine (%s)', async (remoteAddress) => {
    const server = await app();
    expect((await server.inject({ url: '/metrics', remoteAddress })).statusCode).toBe(200);
    expect((await server.inject({ url: '/readyz', remoteAddress })).statusCode).toBe(200);
  });

  it('answer anyone else as an unknown route, unless they bring the token', async () => {
    const server = await app(TOKEN);
    const remoteAddress = '203.0.113.7';
    const unknown = await server.inject({ url: '/nothing-here', remoteAddress });
    for (const url of ['/metrics', '/readyz']) {
      const refused = await server.inject({ url, remoteAddress });
      expect([refused.statusCode, refused.body]).toEqual([unknown.statusCode, unknown.body]);
      const wrong = await server.inject({ url, remoteAddress, headers: { authorization: 'Bearer metrics-token-0123456788' } });
      expect(wrong.statusCode).toBe(404);
      expect((await server.inject({ url, remoteAddress, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    }
    expect((await server.inject({ url: '/healthz', remoteAddress })).statusCode).toBe(200);
  });

  it('take no token at all while METRICS_TOKEN is unset', async () => {
    const server = await app();
    const response = await server.inject({ url: '/metrics', remoteAddress: '203.0.113.7', headers: { authorization: 'Bearer ' } });
    expect(response.statusCode).toBe(404);
  });

  it('do not take a loopback client that a proxy forwarded for someone else', async () => {
    const server = await app();
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      expect((await server.inject({ url: '/metrics', remoteAddress: '127.0.0.1', headers: { [header]: '203.0.113.7' } })).statusCode).toBe(404);
    }
  });
});
