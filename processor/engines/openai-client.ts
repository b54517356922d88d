import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
} from 'openai';
import { AppError, type ErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

export interface OpenAIConnection {
  /** An OpenAI-compatible API root, e.g. `http://ollama:11434/v1`; OpenAI itself when absent. */
  baseURL?: string;
  apiKey?: string;
  /** The SDK's own retries of connection errors, timeouts, 408, 409, 429 and 5xx (honouring `retry-after`). */
  sdkMaxRetries?: number;
  /** How long one try waits for the service to answer before it counts as failed. Default 5 minutes. */
  timeoutMs?: number;
}

const OPENAI_API = 'https://api.openai.com/v1';
/**
 * A local model writing notes on a CPU takes minutes; a service silent for longer is stuck. Node's fetch
 * stops waiting for an answer's headers after 5 minutes whatever the SDK is told, so more would be no promise.
 */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * The one way this project builds an OpenAI client. Local servers (Ollama, vLLM, speaches) need no key, so
 * a placeholder is sent there; OpenAI itself then answers 401, which names OPENAI_API_KEY. The SDK's own
 * environment lookups are bypassed: configuration comes from core/config.ts only.
 */
export function createOpenAIClient(conn: OpenAIConnection, logger: Logger): OpenAI {
  const log = logger.child({ component: 'openai-sdk' });
  return new OpenAI({
    baseURL: conn.baseURL ?? OPENAI_API,
    apiKey: conn.apiKey ?? 'no-key-configured',
    organization: null,
    project: null,
    maxRetries: conn.sdkMaxRetries ?? 2,
    timeout: conn.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // The SDK reports each request and retry at `info`; its details arguments carry headers, so only the line goes on.
    logLevel: 'info',
    logger: {
      error: (message) => log.error(message),
      warn: (message) => log.warn(message),
      info: (message) => log.debug(message),
      debug: () => {},
    },
  });
}

/** Which of our error codes a failure of this service maps to, and how to name the service to a user. */
export interface ServiceErrors {
  /** The service could not be reached or is overloaded (connection, 429, 5xx), or is misconfigured. */
  unavailable: ErrorCode;
  /** The service understood the request and refused it (400, 413, 422 …). */
  rejected: ErrorCode;
  /** e.g. "language model", "transcription service". */
  name: string;
  /** The configuration variable that names the model, for a 404. */
  modelVariable: string;
  /** What an administrator should check when the service stays unreachable, e.g. "the LLM endpoint (OPENAI_BASE_URL)". */
  endpoint: string;
}

/**
 * Maps SDK failures (after the SDK's own retries) to AppErrors a user can read; anything else passes through.
 * A transient failure's sentence is also what the session ends with once the job's attempts run out, so it
 * says what to check, naming configuration variables only (never the address, which may hold credentials).
 */
export function toServiceError(err: unknown, service: ServiceErrors, signal?: AbortSignal): unknown {
  if (err instanceof APIUserAbortError || signal?.aborted) {
    return new AppError('CANCELLED', 'Processing of this recording was cancelled.', false, { cause: err });
  }
  if (!(err instanceof APIError)) return err;
  const { unavailable, rejected, name } = service;
  const transient = (what: string) =>
    new AppError(unavailable, `The ${name} ${what}. Try again later; if this keeps happening, an administrator should check ${service.endpoint}.`, true, {
      cause: err,
    });
  if (err instanceof APIConnectionTimeoutError) return transient('did not answer in time');
  if (err instanceof APIConnectionError) return transient('could not be reached');
  if (err instanceof AuthenticationError || err instanceof PermissionDeniedError) {
    return new AppError(unavailable, `The ${name} refused our credentials: check OPENAI_API_KEY.`, false, { cause: err });
  }
  if (err instanceof NotFoundError) {
    return new AppError(unavailable, `The ${name} does not know the configured model: check ${service.modelVariable}.`, false, {
      cause: err,
    });
  }
  const status = (err.status as number | undefined) ?? 0;
  if (status === 429) return transient('kept turning our requests away (rate limit)');
  if (status === 408 || status === 409 || status >= 500) return transient(`kept failing (HTTP ${status})`);
  // The service's own words help here (context too long, file too large); they never echo our key.
  const body = err.error as unknown;
  const detail = typeof body === 'object' && body && 'message' in body ? String(body.message) : err.message;
  return new AppError(rejected, `The ${name} rejected the request (${status}): ${detail.slice(0, 200)}`, false, { cause: err });
}
