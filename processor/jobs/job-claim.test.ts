import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobClaims } from '../../core/db/job-claims.repository.js';
import { SessionsRepository } from '../../core/db/sessions.repository.js';
import { UsersRepository } from '../../core/db/users.repository.js';
import { createLogger } from '../../core/logger.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';
import { testConfig } from '../../test/helpers/config.js';
import { databaseEngines, removeScratchDataDirs, type TestDatabase } from '../../test/helpers/database.js';
import { until } from '../../test/helpers/until.js';
import { holdClaim } from './job-claim.js';

/** Claims on a session's job: one holder at a time, kept alive while held, taken over once they run out. */

const silent = createLogger('silent');
const LEASE_MS = 600;

afterAll(removeScratchDataDirs);

describe.each(databaseEngines(testConfig))('job claims on $engine', ({ open }) => {
  let db: TestDatabase;
  let sessions: SessionsRepository;
  let claims: JobClaims;
  let userId: string;
  const workspace = `claims-${randomUUID()}`;

  beforeAll(async () => {
    db = await open();
    sessions = new SessionsRepository(db.knex);
    claims = new JobClaims(db.knex, LEASE_MS);
    userId = await new UsersRepository(db.knex).resolve({ platform: 'cli', workspaceId: workspace, externalId: 'tester' });
  });

  afterAll(async () => {
    await db.knex('sessions').where({ user_id: userId }).delete(); // their claims go with them
    await db.knex('users').where({ id: userId }).delete();
    await db.close();
  });

  async function newSession(): Promise<string> {
    const origin = { platform: 'cli' as const, workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null };
    const session = await sessions.create({ id: randomUUID(), userId, filename: 'standup.mp4', origin, sourceKind: 'upload', options: DEFAULT_OPTIONS });
    return session.id;
  }

  it('go to exactly one of many copies racing for them, per session and queue', async () => {
    const [a, b] = [await newSession(), await newSession()];
    const racing = await Promise.all(Array.from({ length: 8 }, (_, i) => claims.take(a, 'transcribe', `copy ${i}`)));
    expect(racing.filter(Boolean)).toHaveLength(1);
    // Other queues and other sessions are claimed apart.
    expect(await claims.take(a, 'todos', 'copy 0')).toBe(true);
    expect(await claims.take(b, 'transcribe', 'copy 0')).toBe(true);
  });

  it('are kept while held, freed on release, and say how long they have left', async () => {
    const id = await newSession();
    const held = (await holdClaim(claims, id, 'transcribe', silent))!;
    expect(held).not.toBeNull();
    expect(await holdClaim(claims, id, 'transcribe', silent)).toBeNull();
    const left = await claims.remainingMs(id, 'transcribe');
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(LEASE_MS);

    // Renewed: still held long after one lease.
    const heldSince = Date.now();
    await until('three leases to pass', async () => Date.now() - heldSince > 3 * LEASE_MS);
    expect(await claims.take(id, 'transcribe', 'someone else')).toBe(false);
    expect(held.lost.aborted).toBe(false);

    await held.release();
    expect(await claims.remainingMs(id, 'transcribe')).toBeNull();
    const next = await holdClaim(claims, id, 'transcribe', silent);
    expect(next).not.toBeNull();
    await next!.release();
  });

  it('left by a holder that died are taken over once they run out', async () => {
    const id = await newSession();
    expect(await claims.take(id, 'transcribe', 'a processor that dies now')).toBe(true);
    expect(await claims.take(id, 'transcribe', 'another copy')).toBe(false);
    const taken = await until('the dead holder’s claim to run out', () => holdClaim(claims, id, 'transcribe', silent));
    await taken.release();
  });

  it('tell a holder that was too slow to renew that another copy took over', async () => {
    const id = await newSession();
    const held = (await holdClaim(claims, id, 'transcribe', silent))!;
    // As if its process stalled past the lease while another copy arrived.
    await db.knex('job_claims').where({ session_id: id }).update({ expires_at: db.knex.raw(`now() - interval '1 second'`) });
    expect(await claims.take(id, 'transcribe', 'another copy')).toBe(true);

    await until('the holder to learn it lost the claim', async () => held.lost.aborted);
    await held.release();
    expect(await claims.take(id, 'transcribe', 'a third copy')).toBe(false); // the release left the new holder's claim alone
  });

  it('go with their session, and a deleted session cannot be claimed', async () => {
    const id = await newSession();
    expect(await claims.take(id, 'transcribe', 'holder')).toBe(true);
    await sessions.delete(id);
    expect(await db.knex('job_claims').where({ session_id: id })).toEqual([]);
    expect(await claims.take(id, 'transcribe', 'holder')).toBe(false);
  });
});
