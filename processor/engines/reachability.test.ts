import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { startHealthServer } from '../../core/health.js';
import { createLogger } from '../../core/logger.js';
import { startOpenAIFake } from '../../test/fakes/openai-fake.js';
import { startWhisperxFake } from '../../test/fakes/whisperx-fake.js';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.js';
import { engineReadiness } from './reachability.js';

/** Port 9 on loopback refuses at once. */
const DEAD = 'http://127.0.0.1:9';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A logger whose JSON lines the test reads. */
function capturedLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = createLogger('info', 'processor', { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { log, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

/** /readyz of a health server holding only the engines' checks. */
async function readiness(checks: Record<string, () => Promise<void>>) {
  const config = loadConfig({ HEALTH_PORT: '0' });
  const health = await startHealthServer(config, 'processor', { checks });
  cleanups.push(() => health.close());
  return async () => {
    const response = await fetch(`http://127.0.0.1:${health.port}/readyz`);
    return { status: response.status, body: (await response.json()) as { ready: boolean; checks: Record<string, string> } };
  };
}

/** A proxy to `port` that refuses connections until told otherwise: an engine that is down, then comes up. */
async function downUntilStarted(port: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port });
  proxy.setAccepting(false);
  cleanups.push(() => proxy.close());
  return proxy;
}

describe('the remote AI engines on /readyz', () => {
  it('warns once per engine at start-up, naming its variable, and reports both down while they refuse', async () => {
    const { log, warnings } = capturedLogger();
    const config = loadConfig({ WHISPERX_URL: DEAD, OPENAI_BASE_URL: `${DEAD}/v1`, OPENAI_API_KEY: 'sk-test' });
    const checks = await engineReadiness(config, log);
    expect(warnings()).toEqual([
      'transcriber: the WhisperX worker (WHISPERX_URL) is unavailable (ECONNREFUSED); recordings will fail until it answers',
      expect.stringMatching(/^llm: the LLM endpoint \(OPENAI_BASE_URL\) is unavailable \(.+\); recordings will fail until it answers$/),
    ]);
    const ready = await readiness(checks);
    expect(await ready()).toEqual({ status: 503, body: { ready: false, checks: { transcriber: 'down', llm: 'down' } } });
  });

  it('says nothing at start-up and is ready when the WhisperX worker and the LLM answer', async () => {
    const [whisperx, openai] = await Promise.all([startWhisperxFake(), startOpenAIFake({ apiKey: 'sk-test' })]);
    cleanups.push(() => whisperx.close(), () => openai.close());
    const { log, warnings } = capturedLogger();
    const checks = await engineReadiness(loadConfig({ WHISPERX_URL: whisperx.url, OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test' }), log);
    expect(warnings()).toEqual([]);
    expect((await (await readiness(checks))()).body).toEqual({ ready: true, checks: { transcriber: 'ok', llm: 'ok' } });
    expect(openai.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
  });

  it('turns ready once the engines come up, after the cache interval', async () => {
    const [whisperx, openai] = await Promise.all([startWhisperxFake(), startOpenAIFake()]);
    cleanups.push(() => whisperx.close(), () => openai.close());
    const workerPort = await downUntilStarted(Number(new URL(whisperx.url).port));
    const llmPort = await downUntilStarted(Number(new URL(openai.baseURL).port));
    const config = loadConfig({
      TRANSCRIBER: 'openai',
      WHISPERX_URL: `http://127.0.0.1:${workerPort.port}`,
      OPENAI_BASE_URL: `http://127.0.0.1:${llmPort.port}/v1`,
    });
    // TRANSCRIBER=openai: speech and notes both go to the OpenAI-compatible endpoint.
    const checks = await engineReadiness(config, createLogger('silent'), { cacheMs: 50 });
    const ready = await readiness(checks);
    expect((await ready()).body.checks).toEqual({ transcriber: 'down', llm: 'down' });

    llmPort.setAccepting(true);
    await expect.poll(async () => (await ready()).body, { timeout: 10_000 }).toEqual({ ready: true, checks: { transcriber: 'ok', llm: 'ok' } });
  });

  it('turns the WhisperX worker ready once it answers its health check', async () => {
    const whisperx = await startWhisperxFake();
    cleanups.push(() => whisperx.close());
    const proxy = await downUntilStarted(Number(new URL(whisperx.url).port));
    const checks = await engineReadiness(loadConfig({ WHISPERX_URL: `http://127.0.0.1:${proxy.port}`, OPENAI_API_KEY: 'sk-x' }), createLogger('silent'), {
      cacheMs: 50,
    });
    const ready = await readiness({ transcriber: checks.transcriber! });
    expect((await ready()).body).toEqual({ ready: false, checks: { transcriber: 'down' } });

    proxy.setAccepting(true);
    await expect.poll(async () => (await ready()).body, { timeout: 10_000 }).toEqual({ ready: true, checks: { transcriber: 'ok' } });
  });

  it('counts an LLM endpoint that refuses our key as down, naming OPENAI_API_KEY', async () => {
    const openai = await startOpenAIFake({ apiKey: 'sk-right' });
    cleanups.push(() => openai.close());
    const { log, warnings } = capturedLogger();
    const checks = await engineReadiness(loadConfig({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-wrong', WHISPERX_URL: '' }), log);
    expect(Object.keys(checks)).toEqual(['llm']);
    expect(warnings()).toEqual([expect.stringContaining('refused our credentials: check OPENAI_API_KEY')]);
  });

  it('has no checks for the local engines: their models are reported instead', async () => {
    expect(await engineReadiness(loadConfig({}), createLogger('silent'))).toEqual({});
  });
});
