import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { loadConfig, type Config } from '../../core/config.js';
import { parseRefPath } from '../../core/domain/storage-layout.js';
import { todosDocumentSchema } from '../../core/domain/todos.js';
import { storedTranscriptSchema } from '../../core/domain/transcript.js';
import { createLogger } from '../../core/logger.js';
import { runCli } from '../../cli/cli.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-fake.js';
import { makeSpeechVideo, run, tempDir, type MediaDir } from '../helpers/media.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';
import { startWorker, type WorkerProcess } from './worker-process.js';
import { removeKeys } from '../helpers/cleanup.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';

/**
 * `npm start` (all/main.ts) as its own process against this machine's services, transcribing through the
 * real WhisperX worker process (stand-in whisperx under it): a recording submitted from the CLI comes back
 * with a transcript and todos, and SIGTERM stops the process cleanly.
 */

const SAID: [string, string][] = [
  ['SPEAKER_00', "Okay, let's ship the 2 fixes before the demo."],
  ['SPEAKER_01', 'Anna will write the release notes by Thursday.'],
];

let s3: TestS3;
let openai: OpenAIFake;
let worker: WorkerProcess;
let media: MediaDir;
let env: Record<string, string>;
let config: Config;
let core: Core;
let app: NodeProcess;
let healthPort: number;

beforeAll(async () => {
  [s3, openai, media] = await Promise.all([startS3(), startOpenAIFake({ apiKey: 'sk-test' }), tempDir('wn-all-')]);
  worker = await startWorker(media.dir, { HF_TOKEN: 'hf_stub_valid' });
  const tag = randomBytes(4).toString('hex');
  env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `wn-test:${tag}:`,
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    AMQP_QUEUE_PREFIX: `wn-test-${tag}.`,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: 'S3RVER',
    S3_SECRET_KEY: 'S3RVER',
    S3_BUCKET_VIDEOS: `video-files-${tag}`,
    S3_BUCKET_TRANSCRIPTS: `transcripts-${tag}`,
    TRANSCRIBER: 'whisperx',
    WHISPERX_URL: worker.url,
    OPENAI_BASE_URL: openai.baseURL,
    OPENAI_API_KEY: 'sk-test',
    LINK_SECRET: 'test-link-secret-0123456789abcdef0123',
    JOB_RETRY_DELAYS_MS: '100,200,400',
    HEALTH_PORT: '0',
    WEB_PORT: '0',
  };
  config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  core = await createCore(config, createLogger('silent'));

  // Only the settings above: nothing from this machine's environment but where programs are.
  app = await startNodeProcess('all/main.ts', env, 'whisper-notes running');
  healthPort = (await app.logLine('whisper-notes running')).healthPort as number;
}, 60_000);

afterAll(async () => {
  await app?.kill('SIGKILL');
  const { deleteTopology } = await import('../../core/queue/topology.js');
  const { connect } = await import('amqplib');
  const conn = await connect(config.amqp.url);
  await deleteTopology(await conn.createChannel(), config.amqp);
  await conn.close();
  const redis = new Redis(config.redis.url);
  await removeKeys(config, redis);
  redis.disconnect();
  await core?.close();
  await Promise.all([s3?.close(), openai?.close(), worker?.stop()]);
  await media?.cleanup();
});

describe('one process for small installs (all/main.ts)', () => {
  it('is ready once every service and AI engine answers', async () => {
    const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { postgres: 'ok', storage: 'ok', queue: 'ok', redis: 'ok', transcriber: 'ok', llm: 'ok' } });
  });

  it('turns a submitted recording into a transcript with speakers and todos, through the WhisperX worker', async () => {
    const plain = await makeSpeechVideo(media.dir, SAID.map(([, text]) => text).join(' '));
    // The worker's stand-in "hears" the script in the comment tag, which ffmpeg carries into the audio.
    const video = path.join(media.dir, 'standup.mp4');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', plain, '-c', 'copy', '-metadata', `comment=${JSON.stringify({ said: SAID })}`, video]);

    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['submit', video, '--wait', '--json', '--language', 'en'], core, { out: (l) => out.push(l), err: (l) => err.push(l) }, 100);
    expect(err.join('\n')).not.toMatch(/fail/i);
    expect(code).toBe(0);
    const result = JSON.parse(out.join('\n')) as { id: string; status: string };
    expect(result.status).toBe('COMPLETED');

    const session = (await core.sessionService.get(result.id))!;
    const transcript = storedTranscriptSchema.parse(await core.store.getJson(parseRefPath(session.transcriptPath!)));
    expect(transcript).toMatchObject({ session_id: result.id, engine: 'whisperx', language: 'en' });
    expect(transcript.segments.map((s) => [s.speaker, s.text])).toEqual(SAID);
    const todos = todosDocumentSchema.parse(await core.store.getJson(parseRefPath(session.todosPath!)));
    expect(todos.todos.map((t) => t.task).join(' ')).toMatch(/release notes/i);

    const calls = await worker.calls();
    expect(calls.filter((c) => c.fn === 'transcribe')).toHaveLength(1);
    expect(calls.find((c) => c.fn === 'diarize')).toBeDefined();
  }, 60_000);

  it('stops cleanly on SIGTERM', async () => {
    expect(await app.kill('SIGTERM'), app.output()).toBe(0);
  });
});
