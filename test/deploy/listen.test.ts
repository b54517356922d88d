import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_PORTS, healthPort, loadConfig } from '../../core/config.js';
import { startHealthServer } from '../../core/health.js';
import { testEnv } from '../helpers/config.js';
import { startNodeProcess, startProcessorProcess, type NodeProcess } from '../helpers/node-process.js';

/**
 * Where the roles listen (docs/operations.md#health-checks, #metrics): loopback unless set, a health port
 * per role, a busy port as one line naming the variable, and the web's /metrics and /readyz for this
 * machine or METRICS_TOKEN only.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Port 9 on loopback refuses at once: the remote engines are configured, and down (no model downloads). */
const DEAD = 'http://127.0.0.1:9';
const METRICS_TOKEN = 'metrics-token-0123456789';
/** The services these tests need: the job table stands in for RabbitMQ, which listening has nothing to do with. */
const env = (extra: Record<string, string>) => testEnv({ AMQP_URL: '', ...extra });

/** A listener on 127.0.0.1 holding a port, as another program would. */
async function occupiedPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Runs an entry point to its end with exactly `env` (plus where programs are). */
async function runToExit(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

/** Resolves with whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('health ports', () => {
  it('gives the processor and the bot a default port each, neither node_exporter’s 9100', () => {
    const config = loadConfig({});
    const ports = [healthPort(config, 'processor'), healthPort(config, 'bot'), healthPort(config, 'all')];
    expect(new Set(ports).size).toBe(3);
    expect(ports).not.toContain(9100);
    expect(healthPort(loadConfig({ HEALTH_PORT: '9200' }), 'bot')).toBe(9200);
    expect(DEFAULT_HEALTH_PORTS).toMatchObject({ processor: 9101, bot: 9102 });
  });

  it('serves health on this machine only unless HEALTH_HOST says otherwise', async () => {
    const health = await startHealthServer(loadConfig({ HEALTH_PORT: '0' }), 'processor', { checks: {} });
    try {
      expect(await accepts('127.0.0.1', health.port)).toBe(true);
      // Another loopback address stands for another interface: a server on 0.0.0.0 would take it.
      expect(await accepts('127.0.0.2', health.port)).toBe(false);
    } finally {
      await health.close();
    }
  });
});

describe('a port already taken', () => {
  it.each([
    ['processor/main.ts', 'HEALTH_PORT'],
    ['web/main.ts', 'WEB_PORT'],
    ['all/main.ts', 'WEB_PORT'],
    ['bot/main.ts', 'HEALTH_PORT'],
  ])('stops %s with exit code 1 and one line naming %s, no stack', async (entry, variable) => {
    const taken = await occupiedPort();
    try {
      const settings = env({
        WHISPERX_URL: DEAD,
        OPENAI_BASE_URL: `${DEAD}/v1`,
        // The bot needs a platform; it listens before it connects to one.
        DISCORD_TOKEN: 'test-token',
        DISCORD_API_URL: DEAD,
        HEALTH_PORT: '0',
        WEB_PORT: '0',
        [variable]: String(taken.port),
      });
      const { code, stderr } = await runToExit(entry, settings);
      expect(code).toBe(1);
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^[\\w-]+: Cannot listen on 127\\.0\\.0\\.1:${taken.port}: another program uses port ${taken.port}; set ${variable} to a free port$`));
    } finally {
      await taken.close();
    }
  }, 60_000);
});

describe('the web server', () => {
  let web: NodeProcess;
  let base: string;

  beforeAll(async () => {
    web = await startNodeProcess('web/main.ts', env({ WEB_PORT: '0', METRICS_TOKEN }), 'status page listening');
    base = `http://127.0.0.1:${(await web.logLine('status page listening')).port as number}`;
  }, 60_000);

  afterAll(async () => {
    await web?.kill('SIGTERM');
  });

  it('listens on this machine only unless WEB_HOST says otherwise', async () => {
    const { port } = new URL(base);
    expect(await accepts('127.0.0.1', Number(port))).toBe(true);
    expect(await accepts('127.0.0.2', Number(port))).toBe(false);
  });

  it.each(['/metrics', '/readyz'])('answers %s to this machine, and to others only with METRICS_TOKEN', async (route) => {
    const unknown = await fetch(`${base}/no-such-route`);
    const notFound = { status: unknown.status, body: await unknown.text() };
    expect(notFound.status).toBe(404);
    const get = async (headers: Record<string, string>) => {
      const response = await fetch(`${base}${route}`, { headers });
      return { status: response.status, body: await response.text() };
    };
    expect((await get({})).status).toBe(200);
    // Through a reverse proxy on this machine, the client is someone else.
    const forwarded = { 'x-forwarded-for': '203.0.113.7' };
    expect(await get(forwarded)).toEqual(notFound);
    expect(await get({ ...forwarded, authorization: 'Bearer wrong-token-0123456789' })).toEqual(notFound);
    expect((await get({ ...forwarded, authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
    // Liveness stays public.
    expect((await fetch(`${base}/healthz`, { headers: forwarded })).status).toBe(200);
  });
});

describe('a processor whose AI engines do not answer', () => {
  it('warns at start-up naming each variable, starts anyway, and is not ready', async () => {
    const processor = await startProcessorProcess(env({ WHISPERX_URL: DEAD, OPENAI_BASE_URL: `${DEAD}/v1` }));
    try {
      const warning = await processor.logLine('transcriber: the WhisperX worker (WHISPERX_URL) is unavailable (ECONNREFUSED); recordings will fail until it answers');
      expect(warning).toMatchObject({ level: 40, check: 'transcriber' });
      expect(processor.output()).toMatch(/"msg":"llm: the LLM endpoint \(OPENAI_BASE_URL\) is unavailable/);
      const { healthPort: port } = await processor.logLine('processor consuming');
      const ready = await fetch(`http://127.0.0.1:${port as number}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks).toMatchObject({ postgres: 'ok', transcriber: 'down', llm: 'down' });
    } finally {
      await processor.kill('SIGTERM');
    }
  }, 60_000);
});
