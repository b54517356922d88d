import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, required } from '../core/config.js';

describe('configuration', () => {
  it('has working defaults for local services', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/whisper_notes');
    expect(c.s3.buckets).toEqual({ videos: 'video-files', transcripts: 'transcripts' });
    expect(c.transcriber.engine).toBe('whisperx');
    expect(c.ingest.allowAddresses).toEqual([]);
    expect(c.amqp.retryDelaysMs).toEqual([5000, 30000, 120000]);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ TRANSCRIBER: 'vosk' }, 'TRANSCRIBER'],
    [{ MAX_MEDIA_BYTES: '-5' }, 'MAX_MEDIA_BYTES'],
    [{ LINK_SECRET: 'short' }, 'LINK_SECRET'],
    [{ FETCH_ALLOW_HOSTS: '127.0.0.1,example.com' }, 'FETCH_ALLOW_HOSTS'],
    [{ WEB_PORT: '99999' }, 'WEB_PORT'],
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

  it('names a variable a role needs but is missing', () => {
    expect(() => required(loadConfig({}).web.linkSecret, 'LINK_SECRET')).toThrow('Missing environment variable LINK_SECRET');
  });

  it('is documented: .env.example lists every variable the configuration reads', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const source = readFileSync(new URL('../core/config.ts', import.meta.url), 'utf8');
    const read = [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]).filter((n) => n !== 'NODE_ENV');
    expect(read.length).toBeGreaterThan(30);
    expect(read.filter((n) => !listed.has(n))).toEqual([]);
  });
});
