import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import { listenOn } from './listen.js';

const HEALTH = { hostVariable: 'HEALTH_HOST', portVariable: 'HEALTH_PORT' };

describe('listenOn', () => {
  it('names HEALTH_HOST when the address is not one of this machine', async () => {
    // 192.0.2.0/24 is for documentation: never an address of this machine, and binding sends nothing.
    const failure = listenOn(Fastify(), { host: '192.0.2.1', port: 0, ...HEALTH });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/^Cannot listen on 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine; set HEALTH_HOST to one/);
  });

  it('names HEALTH_PORT when the port is not allowed to this user', async () => {
    // Only an unprivileged user meets EACCES on a low port; the server's refusal is staged here.
    const refused = Object.assign(new Error('listen EACCES: permission denied 127.0.0.1:80'), { code: 'EACCES' });
    const app = { listen: () => Promise.reject(refused), close: () => Promise.resolve() } as unknown as FastifyInstance;
    await expect(listenOn(app, { host: '127.0.0.1', port: 80, ...HEALTH })).rejects.toThrow(
      new ConfigError('Cannot listen on 127.0.0.1:80: this user may not use port 80; set HEALTH_PORT to a port above 1023'),
    );
  });

  it('passes any other failure on as it is', async () => {
    const odd = Object.assign(new Error('something else'), { code: 'EMFILE' });
    const app = { listen: () => Promise.reject(odd), close: () => Promise.resolve() } as unknown as FastifyInstance;
    await expect(listenOn(app, { host: '127.0.0.1', port: 0, ...HEALTH })).rejects.toBe(odd);
  });
});
