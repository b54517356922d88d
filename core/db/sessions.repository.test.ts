import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { testConfig } from '../../test/helpers/config.js';
import { databaseEngines, removeScratchDataDirs, type TestDatabase } from '../../test/helpers/database.js';
import { DEFAULT_OPTIONS } from '../sessions/session.service.js';
import { QuestionsRepository } from './questions.repository.js';
import { SessionsRepository } from './sessions.repository.js';
import { UsersRepository } from './users.repository.js';

afterAll(removeScratchDataDirs);

describe.each(databaseEngines(testConfig))('repositories on $engine', ({ open }) => {
  let db: TestDatabase;
  let sessions: SessionsRepository;
  let users: UsersRepository;
  const created: string[] = [];
  const workspace = `ws-${randomUUID()}`;

  beforeAll(async () => {
    db = await open();
    sessions = new SessionsRepository(db.knex);
    users = new UsersRepository(db.knex);
  });

  afterAll(async () => {
    await db.knex('sessions').whereIn('id', created).delete();
    await db.knex('users').where({ workspace_id: workspace }).delete();
    await db.close();
  });

  const newSessionOf = (userId: string) => ({
    id: randomUUID(),
    userId,
    filename: 'standup.mp4',
    origin: { platform: 'slack' as const, workspaceId: workspace, channelId: 'C1', threadRef: null, statusMessageRef: null },
    sourceKind: 'upload' as const,
    options: { ...DEFAULT_OPTIONS, language: 'de' },
  });

  async function newSession(userId: string) {
    const s = await sessions.create(newSessionOf(userId));
    created.push(s.id);
    return s;
  }

  it('has every migration applied', async () => {
    const applied = await db.knex('knex_migrations').orderBy('id').pluck('name');
    expect(applied).toEqual(migrations.map(([name]) => name));
  });

  describe('users', () => {
    it('maps a chat user to one stable id, even when resolved concurrently', async () => {
      const user = { platform: 'slack', workspaceId: workspace, externalId: 'U123', displayName: 'Ann' };
      const ids = await Promise.all(Array.from({ length: 8 }, () => users.resolve(user)));
      expect(new Set(ids).size).toBe(1);
      expect(await users.resolve({ ...user, externalId: 'U999' })).not.toBe(ids[0]);
      expect(await users.resolve({ platform: 'discord', workspaceId: workspace, externalId: 'U123' })).not.toBe(ids[0]);
    });
  });

  describe('sessions', () => {
    it('records a new session as UPLOADING with its origin and options', async () => {
      const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U1' });
      const s = await newSession(userId);
      expect(s).toMatchObject({ status: 'UPLOADING', stage: 'upload', percent: 0, userId, sourceKind: 'upload', attempts: 0 });
      expect(s.origin).toEqual({ platform: 'slack', workspaceId: workspace, channelId: 'C1', threadRef: null, statusMessageRef: null });
      expect((await sessions.get(s.id))?.options.language).toBe('de');
    });

    it('patches only the given fields and keeps big sizes exact', async () => {
      const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U2' });
      const s = await newSession(userId);
      const updated = await sessions.update(s.id, { sizeBytes: 5_000_000_000, contentType: 'video/mp4', stage: 'queued' });
      expect(updated).toMatchObject({ sizeBytes: 5_000_000_000, contentType: 'video/mp4', stage: 'queued', filename: 'standup.mp4', status: 'UPLOADING' });
      expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(s.updatedAt.getTime());
    });

    it('transitions only from the expected statuses, so a late stage cannot revive a final session', async () => {
      const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U3' });
      const s = await newSession(userId);
      expect(await sessions.transition(s.id, ['PROCESSING'], { status: 'COMPLETED' })).toBeNull();
      expect((await sessions.transition(s.id, ['UPLOADING'], { status: 'CANCELLED' }))?.status).toBe('CANCELLED');
      expect(await sessions.transition(s.id, ['UPLOADING', 'PROCESSING'], { status: 'FAILED' })).toBeNull();
      expect((await sessions.get(s.id))?.status).toBe('CANCELLED');
    });

    it('lists a user’s sessions newest first, finds stale ones, and deletes', async () => {
      const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U4' });
      const a = await newSession(userId);
      const b = await newSession(userId);
      expect((await sessions.list({ userId, limit: 10 })).map((s) => s.id)).toEqual([b.id, a.id]);
      const stale = await sessions.listStale('UPLOADING', new Date(Date.now() + 60_000));
      expect(stale.map((s) => s.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(await sessions.listStale('UPLOADING', new Date(Date.now() - 3_600_000))).not.toContainEqual(expect.objectContaining({ id: a.id }));
      expect(await sessions.delete(a.id)).toBe(true);
      expect(await sessions.delete(a.id)).toBe(false);
      expect(await sessions.get(a.id)).toBeNull();
    });

    it("lists a person's and a channel's sessions together, newest first, by status, or all of them", async () => {
      const ann = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U8' });
      const bob = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U9' });
      const start = async (userId: string, channelId: string) => {
        // Apart in time: PGlite's clock may give two quick inserts the same created_at, and then either may list first.
        await new Promise((r) => setTimeout(r, 5));
        const s = await sessions.create({ ...newSessionOf(userId), origin: { ...newSessionOf(userId).origin, channelId } });
        created.push(s.id);
        return s;
      };
      const annElsewhere = await start(ann, 'C-other');
      const bobHere = await start(bob, 'C-here');
      const bobElsewhere = await start(bob, 'C-other');
      const here = { platform: 'slack' as const, workspaceId: workspace, channelId: 'C-here' };
      expect((await sessions.list({ userId: ann, channel: here, limit: 10 })).map((s) => s.id)).toEqual([bobHere.id, annElsewhere.id]);
      expect((await sessions.list({ channel: here, limit: 10 })).map((s) => s.id)).toEqual([bobHere.id]);
      expect(await sessions.list({ channel: { ...here, workspaceId: null }, limit: 10 })).toEqual([]);
      expect((await sessions.list({ userId: bob, limit: 1 })).map((s) => s.id)).toEqual([bobElsewhere.id]);
      await sessions.update(bobHere.id, { status: 'FAILED' });
      const failed = await sessions.list({ status: 'FAILED', limit: 1000 });
      expect(failed.map((s) => s.id)).toContain(bobHere.id);
      expect(failed.every((s) => s.status === 'FAILED')).toBe(true);
      const mine = new Set([annElsewhere.id, bobHere.id, bobElsewhere.id]);
      const all = (await sessions.list({ limit: 1000 })).map((s) => s.id).filter((id) => mine.has(id));
      expect(all).toEqual([bobElsewhere.id, bobHere.id, annElsewhere.id]);
    });

    it('keeps the title a person gave, and forgets it when cleared, leaving updated_at as it was', async () => {
      const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U10' });
      const s = await newSession(userId);
      expect(s.title).toBeNull();
      expect(await sessions.setTitle(s.id, 'Pricing review')).toMatchObject({ title: 'Pricing review', updatedAt: s.updatedAt });
      expect((await sessions.get(s.id))?.title).toBe('Pricing review');
      expect((await sessions.setTitle(s.id, null))?.title).toBeNull();
      expect(await sessions.setTitle(randomUUID(), 'x')).toBeNull();
    });

    it('lets exactly one caller claim posting the results, until it releases the claim', async () => {
      const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U6' });
      const s = await newSession(userId);
      const claims = await Promise.all(Array.from({ length: 5 }, () => sessions.claimResultsPost(s.id)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      await sessions.releaseResultsPost(s.id);
      expect(await sessions.claimResultsPost(s.id)).toBe(true);
      await sessions.setResultsMessages(s.id, ['C1:1.2', 'C1:1.3']);
      expect((await sessions.get(s.id))?.resultsMessageRefs).toEqual(['C1:1.2', 'C1:1.3']);
    });

    it('never lets simultaneous starts by one person, through two pools, pass their active limit', async () => {
      const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U7' });
      const second = await db.another();
      try {
        const repositories = [sessions, new SessionsRepository(second.knex)];
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => repositories[i % 2]!.createWithinLimit(newSessionOf(userId), 3)),
        );
        const started = results.flatMap((r) => (r.session ? [r.session.id] : []));
        created.push(...started);
        expect(started).toHaveLength(3);
        expect(results.filter((r) => !r.session)).toEqual(Array.from({ length: 5 }, () => ({ session: null, active: 3 })));
      } finally {
        await second.close();
      }
    });

    it('moves a session into processing only within its person’s limit: two at once at the limit, through two pools, one passes', async () => {
      const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U-retry' });
      const [uploading] = await Promise.all([newSession(userId), newSession(userId)]);
      const failed = await Promise.all([newSession(userId), newSession(userId), newSession(userId)]);
      for (const s of failed) await sessions.update(s.id, { status: 'FAILED', errorCode: 'LLM_UNAVAILABLE' });
      const retry = { status: 'PROCESSING', stage: 'todos', errorCode: null } as const;
      const second = await db.another();
      try {
        const repositories = [sessions, new SessionsRepository(second.knex)];
        const results = await Promise.all(failed.slice(0, 2).map((s, i) => repositories[i]!.transitionWithinLimit(s.id, ['FAILED'], retry, userId, 3)));
        expect(results.filter((r) => r?.session)).toHaveLength(1);
        expect(results.filter((r) => r && !r.session)).toEqual([{ session: null, active: 3 }]);
      } finally {
        await second.close();
      }
      const statuses = async () => (await Promise.all(failed.map((s) => sessions.get(s.id)))).map((s) => [s?.status, s?.errorCode]);
      expect((await statuses()).slice(0, 2).sort()).toEqual([
        ['FAILED', 'LLM_UNAVAILABLE'],
        ['PROCESSING', null],
      ]);
      // Not in `from`: null, however many are active; a higher limit lets the third one through, patched.
      expect(await sessions.transitionWithinLimit(uploading.id, ['FAILED'], retry, userId, 3)).toBeNull();
      expect(await sessions.transitionWithinLimit(failed[2].id, ['FAILED'], retry, userId, 3)).toEqual({ session: null, active: 3 });
      expect(await sessions.transitionWithinLimit(failed[2].id, ['FAILED'], retry, userId, 4)).toMatchObject({ session: { id: failed[2].id, status: 'PROCESSING', stage: 'todos', errorCode: null } });
      expect((await statuses())[2]).toEqual(['PROCESSING', null]);
    });

    it('refuses a status outside the lifecycle', async () => {
      const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U5' });
      const s = await newSession(userId);
      await expect(db.knex('sessions').where({ id: s.id }).update({ status: 'DONE' })).rejects.toThrow(/sessions_status_check/);
    });
  });

  it('finds the newest session of a chat thread: on Slack in its channel, on Discord by the thread alone', async () => {
    const userId = await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U-thread' });
    const inThread = async (channelId: string, threadRef: string, createdAt: string) => {
      const s = await sessions.create({ ...newSessionOf(userId), origin: { ...newSessionOf(userId).origin, channelId, threadRef } });
      created.push(s.id);
      await db.knex('sessions').where({ id: s.id }).update({ created_at: createdAt });
      return s.id;
    };
    await inThread('C1', '1700.1', '2026-12-01T10:00:00Z');
    const newest = await inThread('C1', '1700.1', '2026-12-01T11:00:00Z');
    const otherChannel = await inThread('C2', '1700.1', '2026-12-01T12:00:00Z');
    const place = { platform: 'slack' as const, workspaceId: workspace, channelId: 'C1', threadRef: '1700.1' };

    expect((await sessions.latestInThread(place))?.id).toBe(newest);
    expect((await sessions.latestInThread({ ...place, channelId: 'C2' }))?.id).toBe(otherChannel);
    expect((await sessions.latestInThread({ ...place, channelId: null }))?.id).toBe(otherChannel);
    expect(await sessions.latestInThread({ ...place, threadRef: '1700.2' })).toBeNull();
    expect(await sessions.latestInThread({ ...place, platform: 'discord' })).toBeNull();
  });

  it('keeps questions with their session, citations as stored, and purges them with it', async () => {
    const s = await newSession(await users.resolve({ platform: 'slack', workspaceId: workspace, externalId: 'U-asker' }));
    const questions = new QuestionsRepository(db.knex);
    const asked = await questions.add({ id: randomUUID(), sessionId: s.id, question: 'Pricing?', answer: 'Ten euros.', citations: [{ segment: 3, start: 12.5 }], askedBy: 'bob' });
    expect(await questions.forSession(s.id)).toEqual([asked]);
    expect(asked.citations).toEqual([{ segment: 3, start: 12.5 }]);
    await sessions.delete(s.id);
    expect(await questions.forSession(s.id)).toEqual([]);
  });
});
