import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { loadConfig } from '../../core/config.js';
import type { ChatUser } from '../../core/domain/chat-user.js';
import { createLogger } from '../../core/logger.js';
import { recoverInterruptedUploads } from '../../core/sessions/stale-uploads.js';
import { TooManyActiveError } from '../../core/sessions/too-many-active.js';
import { testEnv } from '../helpers/config.js';
import { until } from '../helpers/until.js';

/**
 * A process that is storing a recording in the local object store dies (SIGKILL) halfway: the next process
 * to start fails that session at once, rather than an upload timeout later, removes the temporary file the
 * upload left, and the person may share a recording again.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const owner: ChatUser = { platform: 'cli', workspaceId: 'upload-crash', externalId: 'owner' };
// One session at a time: the dead upload holds the person's only slot until it is failed.
// Nothing here uses the broker: the embedded queue.
const env = testEnv({ MAX_ACTIVE_SESSIONS_PER_USER: '1', AMQP_URL: '' });
let core: Core;

beforeAll(async () => {
  core = await createCore(loadConfig(env), createLogger('silent'));
});

afterAll(async () => {
  await core?.knex('sessions').whereIn('user_id', core.knex('users').select('id').where({ workspace_id: owner.workspaceId })).delete();
  await core?.close();
  await rm(env.DATA_DIR!, { recursive: true, force: true });
});

/** The temporary files under a session's directory in the videos bucket. */
async function temporaryFiles(sessionId: string): Promise<string[]> {
  const dir = path.join(env.DATA_DIR!, 'objects', core.config.s3.buckets.videos, sessionId);
  return (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.tmp'));
}

describe('an upload whose process was killed', () => {
  it('is failed by the next process at start, its temporary file removed, and the person can start again', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/uploading-process.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    onTestFinished(() => void child.kill('SIGKILL'));
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const { sessionId } = JSON.parse(line.toString()) as { sessionId: string };
    await until('the upload to be writing its temporary file', async () => (await temporaryFiles(sessionId)).length === 1);
    child.kill('SIGKILL');
    await exited;

    const body = new PassThrough();
    const start = () =>
      core.sessionService.start({ user: owner, origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null }, source: { kind: 'stream', body, filename: 'again.mp4' } });
    await expect(start()).rejects.toBeInstanceOf(TooManyActiveError);

    // The next process starts: now, after the crash.
    await recoverInterruptedUploads(core, new Date());

    expect(await core.sessions.get(sessionId)).toMatchObject({ status: 'FAILED', errorCode: 'UPLOAD_INTERRUPTED' });
    expect((await core.sessions.get(sessionId))?.errorMessage).toMatch(/interrupted and never finished/);
    expect(await core.bus.latest(sessionId)).toMatchObject({ status: 'FAILED', error: { code: 'UPLOAD_INTERRUPTED' } });
    expect(await temporaryFiles(sessionId)).toEqual([]);

    const again = await start();
    expect(again.session.status).toBe('UPLOADING');
    // This upload is alive (its process is this one): a second start-up leaves it be.
    await recoverInterruptedUploads(core, new Date());
    expect((await core.sessions.get(again.session.id))?.status).toBe('UPLOADING');
    await core.sessionService.cancel(again.session.id, owner, false);
    body.destroy();
    expect((await again.uploaded).status).toBe('CANCELLED');
  }, 60_000);
});
