import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../core/app.js';
import { loadConfig, type Config } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { advertiseWeb } from '../core/web-advert.js';
import { removeQueuesAndKeys } from '../test/helpers/cleanup.js';
import { testEnv } from '../test/helpers/config.js';
import { tempDir, type MediaDir } from '../test/helpers/media.js';
import { uploadingSession } from '../test/helpers/sessions.js';
import type { SessionJson } from './format.js';

/** `whisper-notes …` as a person runs it: the package's bin, a process of its own, from another directory. */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'whisper-notes.js');

let dir: MediaDir;
let env: Record<string, string>;
let config: Config;
let core: Core;
let redis: Redis;

function run(file: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env, ...extraEnv }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
const whisperNotes = (...args: string[]) => run(BIN, args);

beforeAll(async () => {
  dir = await tempDir('wn-cli-bin-');
  // No S3_ENDPOINT: the store is the directory under DATA_DIR, shared with the CLI's process.
  env = testEnv({ DATA_DIR: path.join(dir.dir, 'data') });
  config = loadConfig(env);
  core = await createCore(config, createLogger('silent'));
  redis = new Redis(config.redis.url);
});

afterAll(async () => {
  await removeQueuesAndKeys(config, redis);
  redis.disconnect();
  await core?.close();
  await dir?.cleanup();
});

describe('the whisper-notes command', () => {
  it('prints the usage for --help, -h and help (exit 0) and a mistyped flag in one sentence (exit 2), without a stack and without touching DATA_DIR', async () => {
    const bare = { DATA_DIR: path.join(dir.dir, 'untouched') };
    for (const flag of ['--help', '-h', 'help']) {
      const { code, stdout } = await run(BIN, [flag], bare);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage:\n {2}whisper-notes submit/);
    }
    for (const [args, sentence] of [
      [['submit', 'standup.mp4', '--wiat'], 'Unknown option --wiat. Did you mean --wait?'],
      [['submit', 'standup.mp4', '--min-speakers', 'abc'], '--min-speakers must be a whole number of at least 1, not "abc".'],
      [['submit', 'standup.mp4', '--language', 'klingon'], '--language "klingon" is not a language we know'],
    ] as const) {
      const { code, stdout, stderr } = await run(BIN, [...args], bare);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.split('\n')[0]).toContain(sentence);
      expect(stderr).not.toMatch(/\n\s+at |ERR_PARSE_ARGS|ZodError/);
    }
    await expect(stat(bare.DATA_DIR)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('with --json prints exactly one JSON document on stdout, and its status page link', async () => {
    const userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: `bin-${randomUUID()}` });
    const session = await uploadingSession(core, userId);
    const { code, stdout, stderr } = await whisperNotes('status', session.id, '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as SessionJson;
    expect(json).toMatchObject({ id: session.id, status: 'UPLOADING' });
    expect(json.statusPage).toMatch(new RegExp(`^http://localhost:8080/s/${session.id}\\?t=`));

    const text = await whisperNotes('status', session.id);
    expect(text.stdout).toContain(`Page      ${json.statusPage}`);
  });

  it('links to the server running on the same DATA_DIR, at its public address, and says so when its own differs', async () => {
    const userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: `bin-${randomUUID()}` });
    const session = await uploadingSession(core, userId);
    const withdraw = await advertiseWeb({ ...config, web: { ...config.web, publicBaseUrl: 'http://localhost:3000' } });
    try {
      const { code, stdout, stderr } = await whisperNotes('status', session.id, '--json');
      expect(code).toBe(0);
      expect((JSON.parse(stdout) as SessionJson).statusPage).toMatch(new RegExp(`^http://localhost:3000/s/${session.id}\\?t=`));
      expect(stderr).toContain('PUBLIC_BASE_URL here is http://localhost:8080, but the running server uses http://localhost:3000');
    } finally {
      await withdraw();
    }
  });

  it('runs as `npx whisper-notes` inside the repository', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('npx', ['--no-install', 'whisper-notes', 'help'], { cwd: path.join(ROOT, 'cli'), env: { ...process.env, ...env }, timeout: 60_000 }, (err, out) =>
        resolve({ code: err ? 1 : 0, stdout: out }),
      ),
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage:\n {2}whisper-notes submit/);
  });
});
