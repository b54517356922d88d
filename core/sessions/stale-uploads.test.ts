import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { createKnex } from '../db/knex.js';
import { SessionsRepository } from '../db/sessions.repository.js';
import { UsersRepository } from '../db/users.repository.js';
import type { SessionStatus } from '../domain/session.js';
import { createLogger } from '../logger.js';
import { ProgressReporter } from '../progress/progress-reporter.js';
import { RedisProgressBus } from '../progress/redis.progress-bus.js';
import { DEFAULT_OPTIONS } from './session.service.js';
import { failStaleUploads, startStaleUploadReaper } from './stale-uploads.js';
import { removeKeys } from '../../test/helpers/cleanup.js';

const config = testConfig();
const log = createLogger('silent');
const knex = createKnex(config.databaseUrl);
const sessions = new SessionsRepository(knex);
const users = new UsersRepository(knex);
const bus = new RedisProgressBus(config.redis, log);
const deps = { sessions, progress: new ProgressReporter(bus, log), log };
const workspace = `ws-${randomUUID()}`;
const created: string[] = [];

afterAll(async () => {
  await knex('sessions').whereIn('id', created).delete();
  await knex('users').where({ workspace_id: workspace }).delete();
  await knex.destroy();
  const redis = new Redis(config.redis.url);
  await removeKeys(config, redis);
  redis.disconnect();
  await bus.close();
});

/**
 * A session last touched `minutesAgo` minutes ago, as a bot that died mid-upload leaves it. The run's
 * database is shared with other test files: the ages here stay far from any other test's sessions.
 */
async function sessionSince(status: SessionStatus, minutesAgo: number) {
  const userId = await users.resolve({ platform: 'discord', workspaceId: workspace, externalId: 'uploader' });
  const s = await sessions.create({
    id: randomUUID(),
    userId,
    filename: 'standup.mp4',
    origin: { platform: 'discord', workspaceId: workspace, channelId: 'C1', threadRef: null, statusMessageRef: null },
    sourceKind: 'upload',
    options: DEFAULT_OPTIONS,
  });
  created.push(s.id);
  await knex('sessions')
    .where({ id: s.id })
    .update({ status, updated_at: new Date(Date.now() - minutesAgo * 60_000) });
  return s;
}

const fiveMinutesAgo = () => new Date(Date.now() - 5 * 60_000);

describe('abandoned uploads', () => {
  it('a session left UPLOADING past the timeout is marked FAILED with a clear message, and the thread is told', async () => {
    const abandoned = await sessionSince('UPLOADING', 10);
    const recent = await sessionSince('UPLOADING', 1);
    const queued = await sessionSince('PROCESSING', 10);

    const failed = await failStaleUploads(deps, fiveMinutesAgo());

    expect(failed).toContain(abandoned.id);
    expect(failed).not.toContain(recent.id);
    expect(await sessions.get(abandoned.id)).toMatchObject({ status: 'FAILED', errorCode: 'UPLOAD_INTERRUPTED' });
    expect((await sessions.get(abandoned.id))?.errorMessage).toMatch(/upload .* interrupted.*share the recording again/i);
    expect((await sessions.get(recent.id))?.status).toBe('UPLOADING');
    expect((await sessions.get(queued.id))?.status).toBe('PROCESSING');
    expect(await bus.latest(abandoned.id)).toMatchObject({
      status: 'FAILED',
      stage: 'upload',
      error: { code: 'UPLOAD_INTERRUPTED' },
    });

    // Once failed it is no longer stale: a second pass (another processor's) changes nothing.
    expect(await failStaleUploads(deps, fiveMinutesAgo())).not.toContain(abandoned.id);
  });

  it('the periodic check finds one by itself', async () => {
    const abandoned = await sessionSince('UPLOADING', 10);
    const reaper = startStaleUploadReaper(deps, 5 * 60_000, 50);
    try {
      const deadline = Date.now() + 10_000;
      while ((await sessions.get(abandoned.id))?.status === 'UPLOADING' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await reaper.stop();
    }
    expect(await sessions.get(abandoned.id)).toMatchObject({ status: 'FAILED', errorCode: 'UPLOAD_INTERRUPTED' });
  });
});
