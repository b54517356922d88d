import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { configuredModels } from '../core/models/index.js';
import { closeServer } from '../test/helpers/http.js';
import { tempDir, type MediaDir } from '../test/helpers/media.js';
import { modelsCommand } from './models.js';

/** `models status` and `models pull` against a loopback server standing in for the model host. */

const body = Buffer.alloc(3_000_000, 7);
let server: http.Server;
let base: string;
let work: MediaDir;
const requests: string[] = [];

beforeAll(async () => {
  work = await tempDir('wn-cli-models-');
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (!req.url?.endsWith('/notes.gguf')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await closeServer(server);
  await work?.cleanup();
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

describe('whisper-notes models', () => {
  it('pulls what is missing, says how far each download is, and lists the files after', async () => {
    const dir = path.join(work.dir, 'pull');
    const config = loadConfig({ MODELS_DIR: dir, MODELS_DOWNLOAD_URL: base, LOCAL_LLM_MODEL: 'hf:acme/notes/notes.gguf' });
    const models = configuredModels(config, createLogger('silent'));

    const before = io();
    expect(await modelsCommand('status', models, before.io)).toBe(0);
    expect(before.out).toEqual([
      `speech missing     base (LOCAL_WHISPER_MODEL) → ${path.join(dir, 'ggml-base.bin')}`,
      `llm    missing     hf:acme/notes/notes.gguf (LOCAL_LLM_MODEL) → ${path.join(dir, 'notes.gguf')}`,
    ]);

    // The speech model is not on this server (404): its failure is told, the LLM is still pulled.
    const pulled = io();
    expect(await modelsCommand('pull', models, pulled.io)).toBe(1);
    expect(pulled.err[0]).toMatch(/^Could not download the speech model ggml-base\.bin from http:\/\/127\.0\.0\.1:\d+\/ggerganov\/whisper\.cpp\/resolve\/main\/ggml-base\.bin: HTTP 404/);
    expect(pulled.err[0]).toContain(`copy it to ${path.join(dir, 'ggml-base.bin')}`);
    expect(pulled.err.slice(1).at(-1)).toBe('Downloading the language model: 100 % of 3.0 MB');
    expect(pulled.out).toEqual([`llm: ${path.join(dir, 'notes.gguf')}`]);

    const after = io();
    await modelsCommand('status', models, after.io);
    expect(after.out[1]).toMatch(/^llm {4}present {5}/);

    // Present files are not fetched again.
    const served = requests.filter((r) => r.endsWith('/notes.gguf')).length;
    await modelsCommand('pull', models, io().io);
    expect(requests.filter((r) => r.endsWith('/notes.gguf')).length).toBe(served);
  });

  it('answers an unknown action with its usage', async () => {
    const config = loadConfig({ MODELS_DIR: work.dir, MODELS_DOWNLOAD_URL: base });
    const out = io();
    expect(await modelsCommand('fetch', configuredModels(config, createLogger('silent')), out.io)).toBe(2);
    expect(out.err).toEqual(['Usage: whisper-notes models pull | status']);
  });
});
