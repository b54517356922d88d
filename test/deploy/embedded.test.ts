import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSessionToken } from '../../core/links.js';
import type { SessionJson } from '../../web/app.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-fake.js';
import { startWhisperxFake, type WhisperxFake } from '../fakes/whisperx-fake.js';
import { freePort } from '../helpers/http.js';
import { makeSpeechVideo, tempDir, type MediaDir } from '../helpers/media.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';

/**
 * Issue 8's promise, end to end: `npm start` (all/main.ts) with no database, broker, Redis or object store
 * configured — only DATA_DIR and the fakes for WhisperX and the LLM. The CLI, a second process, submits a
 * recording into the running install; it completes; the page shows it and serves its video; a restart keeps
 * the session, its results and its final progress state.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

let whisperx: WhisperxFake;
let openai: OpenAIFake;
let work: MediaDir;
let env: Record<string, string>;
let app: NodeProcess | undefined;
let webPort: number;
let sessionId: string;

/** The environment of a fresh machine: where programs are, and nothing of this machine's services. */
function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env, ...extra };
}

/** The CLI as a person runs it beside `npm start`: without the server's PUBLIC_BASE_URL, which it learns from DATA_DIR. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { PUBLIC_BASE_URL: _learnt, ...cliEnv } = bareEnv();
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: ROOT, env: cliEnv, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const startApp = () => startNodeProcess('all/main.ts', env, 'whisper-notes running');

async function pageToken(id: string): Promise<string> {
  return signSessionToken(id, (await readFile(path.join(env.DATA_DIR!, 'link-secret'), 'utf8')).trim());
}

async function sessionJson(id: string): Promise<SessionJson> {
  const res = await fetch(`http://127.0.0.1:${webPort}/api/sessions/${id}?t=${await pageToken(id)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as SessionJson;
}

beforeAll(async () => {
  [whisperx, openai, work] = await Promise.all([startWhisperxFake(), startOpenAIFake({ apiKey: 'sk-embedded' }), tempDir('wn-embedded-')]);
  webPort = await freePort();
  env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATA_DIR: path.join(work.dir, 'data'),
    WHISPERX_URL: whisperx.url,
    OPENAI_BASE_URL: openai.baseURL,
    OPENAI_API_KEY: 'sk-embedded',
    WEB_PORT: String(webPort),
    PUBLIC_BASE_URL: `http://127.0.0.1:${webPort}`,
    JOB_RETRY_DELAYS_MS: '100,200,400',
  };
  app = await startApp();
}, 90_000);

afterAll(async () => {
  await app?.kill('SIGKILL');
  await Promise.all([whisperx?.close(), openai?.close()]);
  await work?.cleanup();
});

describe('npm start on a fresh machine (embedded engines under DATA_DIR)', () => {
  it('says which engine each part uses and which variable switches it', () => {
    const lines = app!
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => typeof l.part === 'string');
    expect(lines.map((l) => [l.part, l.engine, l.switch])).toEqual([
      ['database', 'pglite', 'set DATABASE_URL to use PostgreSQL'],
      ['objects', 'local', 'set S3_ENDPOINT to use S3 / MinIO'],
      ['queue', 'table', 'set AMQP_URL to use RabbitMQ'],
      ['progress', 'memory', 'set REDIS_URL to use Redis'],
      ['transcriber', 'whisperx', 'unset WHISPERX_URL and TRANSCRIBER for the local whisper.cpp engine'],
      ['llm', 'openai', 'unset OPENAI_BASE_URL and OPENAI_API_KEY for the local llama.cpp engine'],
    ]);
  });

  it('keeps DATA_DIR to its owner', async () => {
    expect((await stat(env.DATA_DIR!)).mode & 0o777).toBe(0o700);
  });

  it('offers the upload form, as no chat token is set', async () => {
    const res = await fetch(`http://127.0.0.1:${webPort}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<form[^>]+enctype="multipart\/form-data"/);
  });

  it('completes a recording the CLI submits from a second process', async () => {
    const video = await makeSpeechVideo(work.dir, 'Anna, can you write the release notes? I will ship the fixes.');
    const submitted = await cli('submit', video, '--wait', '--json');
    expect(submitted.code, submitted.stderr).toBe(0);
    const result = JSON.parse(submitted.stdout) as { id: string; status: string; statusPage: string };
    expect(result.status).toBe('COMPLETED');
    sessionId = result.id;
    // The CLI signs the page link with the secret the running install made and keeps in DATA_DIR, at the address it advertises there.
    expect(result.statusPage).toBe(`http://127.0.0.1:${webPort}/s/${sessionId}?t=${await pageToken(sessionId)}`);
    expect((await fetch(result.statusPage)).status).toBe(200);
    expect(whisperx.requests).toHaveLength(1);

    const page = await sessionJson(sessionId);
    expect(page.session.status).toBe('COMPLETED');
    expect(page.todos?.todos.length).toBeGreaterThan(0);
    // The local store's video is served by the page itself, byte ranges and all.
    const media = await fetch(page.media!.url, { headers: { Range: 'bytes=0-99' } });
    expect(media.status).toBe(206);
    expect((await media.arrayBuffer()).byteLength).toBe(100);
  }, 120_000);

  it('keeps the session, its results and its final state across a restart', async () => {
    expect(await app!.kill('SIGTERM'), app!.output()).toBe(0);
    app = await startApp();

    const page = await sessionJson(sessionId);
    expect(page.session.status).toBe('COMPLETED');
    expect(page.todos?.todos.length).toBeGreaterThan(0);
    // A page opened after the restart is told the final state at once, from the stored latest event.
    const sse = await fetch(`http://127.0.0.1:${webPort}/api/progress/${sessionId}?t=${await pageToken(sessionId)}`);
    const first = (await sse.text()).split('\n').find((l) => l.startsWith('data:'));
    expect(JSON.parse(first!.slice(5))).toMatchObject({ sessionId, status: 'COMPLETED', percent: 100 });

    const status = await cli('status', sessionId, '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: sessionId, status: 'COMPLETED' });
  }, 120_000);
});
