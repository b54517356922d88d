import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isTimeZone } from './domain/due-date.js';

/** Raised when the environment is missing or has an invalid variable; its message is one line naming it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const optionalUrl = (protocols: string[]) =>
  optionalString.pipe(url(protocols).optional());

/** An engine address: empty counts as unset (the embedded engine is used), so it falls back to `fallback`. */
const engineUrl = (protocols: string[], fallback: string) => optionalUrl(protocols).transform((v) => v ?? fallback);

const port = z.coerce.number<string>().int().min(0).max(65535);
/** Unset or empty: the role's own default (DEFAULT_HEALTH_PORTS). */
const optionalPort = optionalString.pipe(port.optional());
/** The address a server listens on: 127.0.0.1 (this machine only, the default), 0.0.0.0 (every interface), or another IP. */
const listenHost = optionalString
  .pipe(z.union([z.ipv4(), z.ipv6(), z.literal('localhost')], { error: 'must be an IP address of this machine (127.0.0.1, or 0.0.0.0 for every interface)' }).optional())
  .transform((v) => v ?? '127.0.0.1');
const positiveInt = z.coerce.number().int().positive();

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Comma-separated list of IP literals that links may reach even though the address rule forbids them. */
const ipList = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.union([z.ipv4(), z.ipv6()], { error: 'must list IP addresses only (e.g. 127.0.0.1)' })));

const envSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),

  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: engineUrl(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/whisper_notes'),
  REDIS_URL: engineUrl(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),
  AMQP_URL: engineUrl(['amqp:', 'amqps:'], 'amqp://guest:guest@127.0.0.1:5672'),
  AMQP_QUEUE_PREFIX: z.string().default(''),

  S3_ENDPOINT: engineUrl(['http:', 'https:'], 'http://127.0.0.1:9000'),
  S3_PUBLIC_ENDPOINT: optionalUrl(['http:', 'https:']),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY: z.string().min(1).default('minioadmin'),
  S3_SECRET_KEY: z.string().min(1).default('minioadmin'),
  S3_BUCKET_VIDEOS: z.string().min(3).default('video-files'),
  S3_BUCKET_TRANSCRIPTS: z.string().min(3).default('transcripts'),
  S3_FORCE_PATH_STYLE: bool.default(true),
  S3_TIMEOUT_SECONDS: positiveInt.default(60),

  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_PORT: port.default(3000),
  SLACK_API_URL: optionalUrl(['http:', 'https:']),
  DISCORD_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalString,
  DISCORD_API_URL: optionalUrl(['http:', 'https:']),

  TRANSCRIBER: optionalString.pipe(z.enum(['local', 'whisperx', 'openai']).optional()),
  WHISPERX_URL: engineUrl(['http:', 'https:'], 'http://127.0.0.1:8000'),
  TRANSCRIBE_MODEL: optionalString,
  OPENAI_BASE_URL: optionalUrl(['http:', 'https:']),
  OPENAI_API_KEY: optionalString,
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_CHUNK_SECONDS: positiveInt.default(1200),

  MODELS_DIR: optionalString,
  LOCAL_WHISPER_MODEL: z.string().trim().min(1).default('base'),
  LOCAL_LLM_MODEL: z.string().trim().min(1).default('qwen2.5-1.5b'),
  LOCAL_THREADS: positiveInt.max(256).optional(),
  LOCAL_LLM_CONTEXT: positiveInt.min(2048).max(131072).default(8192),
  LOCAL_IDLE_SECONDS: positiveInt.default(600),
  MODELS_DOWNLOAD_URL: url(['http:', 'https:']).default('https://huggingface.co'),

  WEB_HOST: listenHost,
  WEB_PORT: port.default(8080),
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  PUBLIC_BASE_URL: url(['http:', 'https:']).default('http://localhost:8080'),
  LINK_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  MAX_MEDIA_BYTES: positiveInt.default(2 * 1024 ** 3),
  MAX_MEDIA_SECONDS: positiveInt.default(4 * 3600),
  FETCH_TIMEOUT_SECONDS: positiveInt.default(600),
  FETCH_ALLOW_ADDRESSES: ipList,
  UPLOAD_TIMEOUT_SECONDS: positiveInt.default(3600),
  UPLOAD_MIN_BYTES_PER_WINDOW: positiveInt.default(64 * 1024),
  UPLOAD_PROGRESS_WINDOW_SECONDS: positiveInt.max(3600).default(60),
  MAX_ACTIVE_SESSIONS_PER_USER: positiveInt.default(3),
  DEFAULT_TIME_ZONE: z
    .string()
    .trim()
    .default('UTC')
    .refine(isTimeZone, 'must be an IANA time zone name (e.g. Europe/Berlin)'),

  JOB_MAX_ATTEMPTS: positiveInt.max(20).default(4),
  JOB_RETRY_DELAYS_MS: z
    .string()
    .default('5000,30000,120000')
    .transform((v) => v.split(',').map((s) => Number(s.trim())))
    .pipe(z.array(z.number().int().positive()).min(1)),
  PROCESSOR_PREFETCH: positiveInt.max(64).default(1),
  HEALTH_HOST: listenHost,
  HEALTH_PORT: optionalPort,
});

export type Env = z.infer<typeof envSchema>;

/**
 * Each role's health port while HEALTH_PORT is unset: one apiece, so roles started side by side on one host
 * do not collide, and none on 9100 (node_exporter's). docs/operations.md#health-checks
 */
export const DEFAULT_HEALTH_PORTS = { processor: 9101, bot: 9102, all: 9103 } as const;
export type HealthRole = keyof typeof DEFAULT_HEALTH_PORTS;

/** Which implementation each part runs on; see ENGINE_SWITCHES. */
export interface InfrastructureEngines {
  database: 'postgres' | 'pglite';
  objects: 's3' | 'local';
  queue: 'rabbitmq' | 'table';
  progress: 'redis' | 'memory';
}

/**
 * The variable that switches each part from its embedded default (kept under DATA_DIR) to the distributed
 * engine. Being set (not empty) is what counts; the address defaults are never used while it is unset.
 */
export const ENGINE_SWITCHES = {
  database: 'DATABASE_URL',
  objects: 'S3_ENDPOINT',
  queue: 'AMQP_URL',
  progress: 'REDIS_URL',
} as const satisfies Record<keyof InfrastructureEngines, keyof Env>;

export interface Config {
  /** Where the embedded engines keep their data. */
  dataDir: string;
  engines: InfrastructureEngines;
  logLevel: Env['LOG_LEVEL'];
  /** Readable lines on a terminal, JSON otherwise (`auto`), or one of them always. */
  logFormat: Env['LOG_FORMAT'];
  databaseUrl: string;
  redis: { url: string; keyPrefix: string };
  amqp: { url: string; queuePrefix: string; maxAttempts: number; retryDelaysMs: number[]; prefetch: number };
  s3: {
    endpoint: string;
    /** The address browsers reach the store at (presigned media links); S3_ENDPOINT when unset. */
    publicEndpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
    buckets: { videos: string; transcripts: string };
    /** A request during which the store sends and takes nothing this long fails (and is retried). */
    idleTimeoutMs: number;
  };
  slack: { botToken?: string; signingSecret?: string; appToken?: string; port: number; apiUrl?: string };
  discord: { token?: string; applicationId?: string; apiUrl?: string };
  transcriber: { engine: 'local' | 'whisperx' | 'openai'; whisperxUrl: string; model?: string };
  llm: { engine: 'local' | 'openai'; baseUrl?: string; apiKey?: string; model: string; chunkSeconds: number };
  /** The in-process engines (whisper.cpp, llama.cpp) and their models. */
  local: {
    /** Where named models are downloaded to, and where copied-in models are looked for. */
    modelsDir: string;
    /** A whisper.cpp model name (`base`, `large-v3-turbo`…) or the path of a ggml `.bin`. */
    whisperModel: string;
    /** A model name from the catalogue, `hf:owner/repo/file.gguf`, an https URL, or the path of a `.gguf`. */
    llmModel: string;
    /** CPU threads per engine; more threads than cores slows inference down sharply. */
    threads: number;
    /** Where named models come from (a Hugging Face mirror works). */
    downloadBaseUrl: string;
    /** A model unused this long is unloaded, giving its memory back. */
    idleMs: number;
    /** The LLM's context window in tokens; transcript windows are sized to fit it. */
    llmContextTokens: number;
  };
  web: {
    /** WEB_HOST: the page's address; loopback unless set (docker-compose.yml sets 0.0.0.0). */
    host: string;
    port: number;
    publicBaseUrl: string;
    linkSecret?: string;
    /** Lets a scraper elsewhere read /metrics and /readyz of the web server; loopback clients need none. */
    metricsToken?: string;
    /** A request body (an upload above all) that brings fewer than `minBytes` in `windowMs` is cut, freeing its slot. */
    bodyProgress: { minBytes: number; windowMs: number };
  };
  ingest: {
    maxMediaBytes: number;
    /** Longest recording accepted: checked on the probed duration, and bounds the audio extracted. */
    maxMediaSeconds: number;
    fetchTimeoutMs: number;
    allowAddresses: string[];
    /** A session still UPLOADING this long after it started is taken as abandoned (its uploader died). */
    uploadTimeoutMs: number;
    /** Sessions one person may have uploading or processing at once; more are refused with a message. */
    maxActivePerUser: number;
  };
  /** The zone todo due dates are read in when the platform gave none for the person (docs/architecture.md#stored-results). */
  defaultTimeZone: string;
  /** The health server of the processes without a web server (core/health.ts); loopback unless set. */
  health: { host: string; port?: number };
}

/** Variables renamed since they were documented: an old name still set would otherwise be ignored without a word. */
const RENAMED: Record<string, keyof Env> = { FETCH_ALLOW_HOSTS: 'FETCH_ALLOW_ADDRESSES' };

/** Parses the environment once. Throws ConfigError with one line naming the first bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  for (const [old, renamed] of Object.entries(RENAMED)) {
    if ((source[old] ?? '').trim() !== '') throw new ConfigError(`Environment variable ${old} was renamed ${renamed}: set ${renamed} instead`);
  }
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid environment variable ${name}: ${issue.message}`);
  }
  const e = parsed.data;
  const isSet = (name: keyof Env) => (source[name] ?? '').trim() !== '';
  return {
    dataDir: e.DATA_DIR,
    engines: {
      database: isSet(ENGINE_SWITCHES.database) ? 'postgres' : 'pglite',
      objects: isSet(ENGINE_SWITCHES.objects) ? 's3' : 'local',
      queue: isSet(ENGINE_SWITCHES.queue) ? 'rabbitmq' : 'table',
      progress: isSet(ENGINE_SWITCHES.progress) ? 'redis' : 'memory',
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    databaseUrl: e.DATABASE_URL,
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    amqp: {
      url: e.AMQP_URL,
      queuePrefix: e.AMQP_QUEUE_PREFIX,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      retryDelaysMs: e.JOB_RETRY_DELAYS_MS,
      prefetch: e.PROCESSOR_PREFETCH,
    },
    s3: {
      endpoint: e.S3_ENDPOINT,
      publicEndpoint: e.S3_PUBLIC_ENDPOINT ?? e.S3_ENDPOINT,
      region: e.S3_REGION,
      accessKeyId: e.S3_ACCESS_KEY,
      secretAccessKey: e.S3_SECRET_KEY,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
      buckets: { videos: e.S3_BUCKET_VIDEOS, transcripts: e.S3_BUCKET_TRANSCRIPTS },
      idleTimeoutMs: e.S3_TIMEOUT_SECONDS * 1000,
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      port: e.SLACK_PORT,
      apiUrl: e.SLACK_API_URL,
    },
    discord: { token: e.DISCORD_TOKEN, applicationId: e.DISCORD_APPLICATION_ID, apiUrl: e.DISCORD_API_URL },
    transcriber: { engine: e.TRANSCRIBER ?? (isSet('WHISPERX_URL') ? 'whisperx' : 'local'), whisperxUrl: e.WHISPERX_URL, model: e.TRANSCRIBE_MODEL },
    llm: {
      engine: isSet('OPENAI_BASE_URL') || isSet('OPENAI_API_KEY') ? 'openai' : 'local',
      baseUrl: e.OPENAI_BASE_URL,
      apiKey: e.OPENAI_API_KEY,
      model: e.LLM_MODEL,
      chunkSeconds: e.LLM_CHUNK_SECONDS,
    },
    local: {
      modelsDir: e.MODELS_DIR ?? path.join(e.DATA_DIR, 'models'),
      whisperModel: e.LOCAL_WHISPER_MODEL,
      llmModel: e.LOCAL_LLM_MODEL,
      threads: e.LOCAL_THREADS ?? os.availableParallelism(),
      downloadBaseUrl: e.MODELS_DOWNLOAD_URL,
      idleMs: e.LOCAL_IDLE_SECONDS * 1000,
      llmContextTokens: e.LOCAL_LLM_CONTEXT,
    },
    web: {
      host: e.WEB_HOST,
      port: e.WEB_PORT,
      publicBaseUrl: e.PUBLIC_BASE_URL,
      linkSecret: e.LINK_SECRET,
      metricsToken: e.METRICS_TOKEN,
      bodyProgress: { minBytes: e.UPLOAD_MIN_BYTES_PER_WINDOW, windowMs: e.UPLOAD_PROGRESS_WINDOW_SECONDS * 1000 },
    },
    ingest: {
      maxMediaBytes: e.MAX_MEDIA_BYTES,
      maxMediaSeconds: e.MAX_MEDIA_SECONDS,
      fetchTimeoutMs: e.FETCH_TIMEOUT_SECONDS * 1000,
      allowAddresses: e.FETCH_ALLOW_ADDRESSES,
      uploadTimeoutMs: e.UPLOAD_TIMEOUT_SECONDS * 1000,
      maxActivePerUser: e.MAX_ACTIVE_SESSIONS_PER_USER,
    },
    defaultTimeZone: e.DEFAULT_TIME_ZONE,
    health: { host: e.HEALTH_HOST, port: e.HEALTH_PORT },
  };
}

/** Where `role` serves its health routes: HEALTH_PORT, or the role's own default. */
export function healthPort(config: Config, role: HealthRole): number {
  return config.health.port ?? DEFAULT_HEALTH_PORTS[role];
}

/** For settings that only some roles need: names the variable when it is missing. */
export function required<T>(value: T | undefined, variable: string): T {
  if (value === undefined) throw new ConfigError(`Missing environment variable ${variable}`);
  return value;
}
