import { readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, required } from '../core/config.js';

describe('configuration', () => {
  it('has working defaults for local services', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/whisper_notes');
    expect(c.s3.buckets).toEqual({ videos: 'video-files', transcripts: 'transcripts' });
    expect(c.transcriber.engine).toBe('local');
    expect(c.llm.engine).toBe('local');
    expect(c.local).toMatchObject({ modelsDir: 'data/models', whisperModel: 'base', llmModel: 'qwen2.5-1.5b', downloadBaseUrl: 'https://huggingface.co' });
    expect(c.ingest.allowAddresses).toEqual([]);
    expect(c.amqp.retryDelaysMs).toEqual([5000, 30000, 120000]);
    expect(c.ingest.maxActivePerUser).toBe(3);
    expect(c.logFormat).toBe('auto');
  });

  it('runs every part on its embedded engine under DATA_DIR until its variable is set', () => {
    const embedded = loadConfig({ DATA_DIR: '/srv/wn' });
    expect(embedded.dataDir).toBe('/srv/wn');
    expect(embedded.engines).toEqual({ database: 'pglite', objects: 'local', queue: 'table', progress: 'memory' });
    expect(loadConfig({}).dataDir).toBe('./data');

    const blank = loadConfig({ DATABASE_URL: ' ', REDIS_URL: '', AMQP_URL: '', S3_ENDPOINT: '' });
    expect(blank.engines).toEqual(embedded.engines);

    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).engines).toEqual({ ...embedded.engines, database: 'postgres' });
    expect(loadConfig({ S3_ENDPOINT: 'http://minio:9000' }).engines).toEqual({ ...embedded.engines, objects: 's3' });
    expect(loadConfig({ AMQP_URL: 'amqp://mq' }).engines).toEqual({ ...embedded.engines, queue: 'rabbitmq' });
    const distributed = loadConfig({ REDIS_URL: 'redis://cache:6379', DATABASE_URL: 'postgres://db/x', AMQP_URL: 'amqp://mq', S3_ENDPOINT: 'http://minio:9000' });
    expect(distributed.engines).toEqual({ database: 'postgres', objects: 's3', queue: 'rabbitmq', progress: 'redis' });
    expect(distributed.redis.url).toBe('redis://cache:6379');
  });

  it('picks the speech and notes engines as the other parts do: a remote one once its variable is set, local otherwise', () => {
    const engines = (env: Record<string, string>) => {
      const c = loadConfig(env);
      return [c.transcriber.engine, c.llm.engine];
    };
    expect(engines({})).toEqual(['local', 'local']);
    expect(engines({ WHISPERX_URL: '', OPENAI_BASE_URL: ' ' })).toEqual(['local', 'local']);
    expect(engines({ WHISPERX_URL: 'http://whisperx:8000' })).toEqual(['whisperx', 'local']);
    expect(engines({ OPENAI_API_KEY: 'sk-x' })).toEqual(['local', 'openai']);
    expect(engines({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' })).toEqual(['local', 'openai']);
    // TRANSCRIBER, when set, wins over WHISPERX_URL (compose sets the URL for every service).
    expect(engines({ TRANSCRIBER: 'openai', WHISPERX_URL: 'http://whisperx:8000', OPENAI_API_KEY: 'sk-x' })).toEqual(['openai', 'openai']);
    expect(engines({ TRANSCRIBER: 'local', WHISPERX_URL: 'http://whisperx:8000' })).toEqual(['local', 'local']);

    const local = loadConfig({ DATA_DIR: '/srv/wn', LOCAL_THREADS: '3', LOCAL_IDLE_SECONDS: '60' }).local;
    expect(local).toMatchObject({ modelsDir: '/srv/wn/models', threads: 3, idleMs: 60_000, llmContextTokens: 8192 });
    expect(loadConfig({ MODELS_DIR: '/models' }).local.modelsDir).toBe('/models');
    // Threads default to the cores there are: more than that made generation 20 times slower on 2 cores.
    expect(loadConfig({}).local.threads).toBe(os.availableParallelism());
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOCAL_THREADS: '0' }, 'LOCAL_THREADS'],
    [{ LOCAL_LLM_CONTEXT: '512' }, 'LOCAL_LLM_CONTEXT'],
    [{ MODELS_DOWNLOAD_URL: 'ftp://mirror' }, 'MODELS_DOWNLOAD_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ MAX_ACTIVE_SESSIONS_PER_USER: '0' }, 'MAX_ACTIVE_SESSIONS_PER_USER'],
    [{ TRANSCRIBER: 'vosk' }, 'TRANSCRIBER'],
    [{ MAX_MEDIA_BYTES: '-5' }, 'MAX_MEDIA_BYTES'],
    [{ LINK_SECRET: 'short' }, 'LINK_SECRET'],
    [{ FETCH_ALLOW_ADDRESSES: '127.0.0.1,example.com' }, 'FETCH_ALLOW_ADDRESSES'],
    [{ FETCH_ALLOW_HOSTS: '127.0.0.1' }, 'renamed FETCH_ALLOW_ADDRESSES'],
    [{ WEB_PORT: '99999' }, 'WEB_PORT'],
    [{ LOG_FORMAT: 'yaml' }, 'LOG_FORMAT'],
    [{ DEFAULT_TIME_ZONE: 'Mars/Olympus' }, 'DEFAULT_TIME_ZONE'],
  ])('rejects %o with one line naming the variable', (env, name) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain('\n');
  });

  it('reads todo due dates in UTC unless DEFAULT_TIME_ZONE names an IANA zone', () => {
    expect(loadConfig({}).defaultTimeZone).toBe('UTC');
    expect(loadConfig({ DEFAULT_TIME_ZONE: 'Europe/Berlin' }).defaultTimeZone).toBe('Europe/Berlin');
  });

  it('names a variable a role needs but is missing', () => {
    expect(() => required(loadConfig({}).web.linkSecret, 'LINK_SECRET')).toThrow('Missing environment variable LINK_SECRET');
  });

  it('is documented: .env.example lists every variable the configuration reads', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const source = readFileSync(new URL('../core/config.ts', import.meta.url), 'utf8');
    const read = [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]);
    expect(read.length).toBeGreaterThan(30);
    expect(read.filter((n) => !listed.has(n))).toEqual([]);
  });

  it('is documented: the README configuration table names every variable the configuration reads', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Architecture'));
    const named = new Set([...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
    const source = readFileSync(new URL('../core/config.ts', import.meta.url), 'utf8');
    const read = [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]);
    expect(read.filter((n) => !named.has(n))).toEqual([]);
  });
});
