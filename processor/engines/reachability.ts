import { request } from 'undici';
import { APIConnectionError, APIError, AuthenticationError, PermissionDeniedError } from 'openai';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { createOpenAIClient } from './openai-client.js';

/**
 * Whether the remote AI engines answer, for /readyz and for a warning at start-up
 * (docs/operations.md#health-checks). The local engines run in this process: their models are reported
 * instead (`models`).
 */

/** A probe that hangs counts as down well inside an orchestrator's health-check timeout (Compose: 5 s). */
const PROBE_TIMEOUT_MS = 3000;
/** How long a probe's answer is reused by /readyz. */
const DEFAULT_CACHE_MS = 30_000;

interface EngineProbe {
  /** The /readyz check's name. */
  check: 'transcriber' | 'llm';
  /** e.g. "the WhisperX worker (WHISPERX_URL)": what an operator should look at. */
  endpoint: string;
  /** Resolves when the engine answers; rejects with what went wrong. */
  probe: () => Promise<void>;
}

/** The worker's `GET /healthz` answers 200 once its model is loaded, 503 before (docs/architecture.md#whisperx-worker-contract). */
function whisperxProbe(url: string): EngineProbe['probe'] {
  return async () => {
    const response = await request(new URL('healthz', url.endsWith('/') ? url : `${url}/`), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body.dump();
    if (response.statusCode === 503) throw new Error('it is still loading its model');
    if (response.statusCode !== 200) throw new Error(`it answered HTTP ${response.statusCode}`);
  };
}

/** `GET /models` of an OpenAI-compatible API: any answer but an outage or refused credentials means it is there. */
function openaiProbe(config: Config, log: Logger): EngineProbe['probe'] {
  const client = createOpenAIClient({ baseURL: config.llm.baseUrl, apiKey: config.llm.apiKey, sdkMaxRetries: 0, timeoutMs: PROBE_TIMEOUT_MS }, log);
  return async () => {
    try {
      await client.models.list();
    } catch (err) {
      if (err instanceof AuthenticationError || err instanceof PermissionDeniedError) throw new Error('it refused our credentials: check OPENAI_API_KEY');
      // Some compatible servers have no /models: an answer still proves the endpoint is up.
      if (err instanceof APIError && !(err instanceof APIConnectionError) && (err.status ?? 0) < 500) return;
      throw err;
    }
  };
}

/**
 * A check whose result (passed or failed) is reused for `ttlMs`, and whose calls in flight share one probe:
 * for checks that cost a request to another service, so that /readyz stays cheap however often it is asked.
 */
function cachedCheck(check: () => Promise<void>, ttlMs: number): () => Promise<void> {
  let last: { result: Promise<void>; at: number } | null = null;
  return () => {
    if (!last || Date.now() - last.at >= ttlMs) {
      const result = check();
      // A failure is kept as a result; each caller still sees it.
      result.catch(() => {});
      last = { result, at: Date.now() };
    }
    return last.result;
  };
}

function remoteEngines(config: Config, log: Logger): EngineProbe[] {
  const probes: EngineProbe[] = [];
  const openai = () => openaiProbe(config, log);
  if (config.transcriber.engine === 'whisperx') {
    probes.push({ check: 'transcriber', endpoint: 'the WhisperX worker (WHISPERX_URL)', probe: whisperxProbe(config.transcriber.whisperxUrl) });
  } else if (config.transcriber.engine === 'openai') {
    probes.push({ check: 'transcriber', endpoint: 'the speech-to-text endpoint (OPENAI_BASE_URL)', probe: openai() });
  }
  if (config.llm.engine === 'openai') probes.push({ check: 'llm', endpoint: 'the LLM endpoint (OPENAI_BASE_URL)', probe: openai() });
  return probes;
}

/** Why a probe failed, in a few words: the first error code down the causes (ECONNREFUSED), else the deepest message. */
function reason(err: unknown): string {
  let deepest: unknown = err;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const { code } = e as NodeJS.ErrnoException;
    if (typeof code === 'string') return code;
    deepest = e;
  }
  return deepest instanceof Error ? deepest.message : String(deepest);
}

/**
 * Probes each remote engine once now, warning in one line for each that cannot be reached (recordings would
 * otherwise fail minutes later), and returns their /readyz checks, each answer reused for `cacheMs`.
 */
export async function engineReadiness(config: Config, log: Logger, { cacheMs = DEFAULT_CACHE_MS } = {}): Promise<Record<string, () => Promise<void>>> {
  const engines = remoteEngines(config, log.child({ component: 'engine-probe' }));
  const checks = Object.fromEntries(engines.map((e) => [e.check, cachedCheck(e.probe, cacheMs)]));
  const results = await Promise.allSettled(engines.map((e) => checks[e.check]!()));
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    const { check, endpoint } = engines[i]!;
    const why = reason(result.reason);
    log.warn({ check, reason: why }, `${check}: ${endpoint} is unavailable (${why}); recordings will fail until it answers`);
  });
  return checks;
}
