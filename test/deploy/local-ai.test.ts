import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSessionToken } from '../../core/links.js';
import { todosDocumentSchema } from '../../core/domain/todos.js';
import { storedTranscriptSchema } from '../../core/domain/transcript.js';
import type { SessionJson } from '../../web/app.js';
import { freePort } from '../helpers/http.js';
import { makeSpeechVideo, tempDir, type MediaDir } from '../helpers/media.js';
import { microLlamaModel, microWhisperModel } from '../helpers/models/local-models.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';

/**
 * Issue 12's promise, end to end: `npm start` (all/main.ts) on a fresh machine with no service and no key,
 * only the two local models named (random weights in the real formats). The CLI submits a recording; the
 * whole job runs on this machine, and so does a question about it. Then, with nothing configured at all and no way to fetch the default
 * models, the first recording fails with a sentence that says which model and how to place it.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

let work: MediaDir;

/** The environment of a fresh machine: where programs are, and what the test names. */
function bareEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env };
}

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: ROOT, env: bareEnv(env), timeout: 150_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

interface Install {
  env: Record<string, string> & { DATA_DIR: string; PUBLIC_BASE_URL: string };
  app: NodeProcess;
}

async function install(name: string, extra: Record<string, string>): Promise<Install> {
  const webPort = await freePort();
  const env = {
    NODE_ENV: 'test',
    DATA_DIR: path.join(work.dir, name),
    WEB_PORT: String(webPort),
    PUBLIC_BASE_URL: `http://127.0.0.1:${webPort}`,
    JOB_RETRY_DELAYS_MS: '100,200,400',
    ...extra,
  };
  return { env, app: await startNodeProcess('all/main.ts', env, 'whisper-notes running') };
}

const logLines = (app: NodeProcess) =>
  app
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const apps: NodeProcess[] = [];

beforeAll(async () => {
  work = await tempDir('wn-local-ai-');
}, 60_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.kill('SIGKILL')));
  await work?.cleanup();
});

describe('npm start with local AI engines (whisper.cpp and llama.cpp, no service, no key)', () => {
  it('turns a recording into a transcript with word times, a summary and validated todos, and names the engines', async () => {
    const [whisperModel, llmModel] = await Promise.all([microWhisperModel(), microLlamaModel()]);
    const { env, app } = await install('data-local', { LOCAL_WHISPER_MODEL: whisperModel, LOCAL_LLM_MODEL: llmModel, LOCAL_THREADS: '1' });
    apps.push(app);

    const engines = logLines(app).filter((l) => l.part === 'transcriber' || l.part === 'llm');
    expect(engines.map((l) => [l.part, l.engine, l.model, l.state])).toEqual([
      ['transcriber', 'whisper.cpp', whisperModel, 'present'],
      ['llm', 'llama.cpp', llmModel, 'present'],
    ]);
    expect(engines.map((l) => l.switch)).toEqual([
      'set WHISPERX_URL to use a WhisperX worker, or TRANSCRIBER=openai for an OpenAI-compatible endpoint',
      'set OPENAI_BASE_URL or OPENAI_API_KEY to use an OpenAI-compatible LLM',
    ]);
    const ready = (await (await fetch(`${env.PUBLIC_BASE_URL}/readyz`)).json()) as { ready: boolean; models: Record<string, string> };
    expect(ready).toMatchObject({ ready: true, models: { speech: 'present', llm: 'present' } });

    const video = await makeSpeechVideo(work.dir, 'Anna, can you write the release notes by Friday? I will ship the fixes tomorrow.');
    const submitted = await cli(env, 'submit', video, '--wait', '--json');
    expect(submitted.code, submitted.stderr + app.output().slice(-3000)).toBe(0);
    const result = JSON.parse(submitted.stdout) as { id: string; status: string; todos: unknown };
    expect(result.status).toBe('COMPLETED');

    const secret = (await readFile(path.join(env.DATA_DIR, 'link-secret'), 'utf8')).trim();
    const token = signSessionToken(result.id, secret);
    const res = await fetch(`${env.PUBLIC_BASE_URL}/api/sessions/${result.id}?t=${token}`);
    const page = (await res.json()) as SessionJson;
    // The transcript as stored: the local object store keeps it under DATA_DIR/objects/<bucket>/<id>/.
    const stored = await readFile(path.join(env.DATA_DIR, 'objects', 'transcripts', result.id, 'transcript.json'), 'utf8');
    const transcript = storedTranscriptSchema.parse(JSON.parse(stored));
    expect(transcript).toMatchObject({ engine: 'whisper.cpp', model: whisperModel });
    expect(transcript.language).toMatch(/^[a-z]{2,3}$/);
    expect(transcript.speaker_note).toMatch(/Speakers are not identified/);
    expect(transcript.segments.length).toBeGreaterThan(0);
    for (const segment of transcript.segments) {
      expect(segment.words.length).toBeGreaterThan(0);
      expect(segment.words.every((w) => typeof w.start === 'number' && typeof w.end === 'number')).toBe(true);
      expect(segment.speaker).toBeUndefined();
    }
    expect(todosDocumentSchema.safeParse(page.todos).success).toBe(true);
    const ids = new Set(transcript.segments.map((s) => s.id));
    expect(page.todos!.todos.every((t) => t.segments.every((id) => ids.has(id)))).toBe(true);
    expect(typeof page.summary?.summary).toBe('string');

    const finished = logLines(app).find((l) => l.msg === 'local transcription finished');
    expect(finished).toMatchObject({ segments: transcript.segments.length });

    // Asked on the page's API, answered by the llama.cpp process that wrote the notes: one model in memory.
    const asked = await fetch(`${env.PUBLIC_BASE_URL}/api/sessions/${result.id}/questions?t=${token}`, {
      method: 'POST',
      body: JSON.stringify({ question: 'Who writes the release notes?' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(asked.status).toBe(201);
    const { question } = (await asked.json()) as { question: { answer: string; citations: Array<{ segment: number }> } };
    expect(question.answer).not.toBe('');
    expect(question.citations.every((c) => ids.has(c.segment))).toBe(true);
    const llamaStarts = logLines(app).filter((l) => l.msg === 'local engine process started' && l.engine === 'llama.cpp');
    expect(llamaStarts).toHaveLength(1);
  }, 240_000);

  it('with nothing configured and no way to fetch the models, the first recording fails saying which model and how to place it', async () => {
    // Port 9 on loopback refuses at once: a machine without internet, without a packet leaving this one.
    const { env, app } = await install('data-bare', { MODELS_DOWNLOAD_URL: 'http://127.0.0.1:9/' });
    apps.push(app);
    const engines = logLines(app).filter((l) => l.part === 'transcriber' || l.part === 'llm');
    expect(engines.map((l) => [l.part, l.engine, l.model, l.state])).toEqual([
      ['transcriber', 'whisper.cpp', 'base', 'missing'],
      ['llm', 'llama.cpp', 'qwen2.5-1.5b', 'missing'],
    ]);

    const video = await makeSpeechVideo(work.dir, 'Hello.', 'hello.mp4');
    const submitted = await cli(env, 'submit', video, '--wait', '--json');
    expect(submitted.code).toBe(1);
    const result = JSON.parse(submitted.stdout) as { status: string; error: { code: string; message: string } };
    const modelFile = path.join(env.DATA_DIR, 'models', 'ggml-base.bin');
    expect(result).toMatchObject({ status: 'FAILED', error: { code: 'MODEL_UNAVAILABLE' } });
    expect(result.error.message).toContain('the speech model ggml-base.bin');
    expect(result.error.message).toContain('http://127.0.0.1:9/ggerganov/whisper.cpp/resolve/main/ggml-base.bin');
    expect(result.error.message).toContain(`copy it to ${path.resolve(ROOT, modelFile)}`);
    // Failed once, at once: no retries for a model that cannot be had, and no unhandled error anywhere.
    expect(app.output()).not.toMatch(/unhandled|uncaught/i);
    const fetched = logLines(app).filter((l) => l.msg === 'speech model not fetched');
    expect(fetched.length).toBeGreaterThan(0);
  }, 120_000);
});
