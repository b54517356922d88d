import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { databaseEngines, removeScratchDataDirs, type TestDatabase } from '../../test/helpers/database.js';
import { DEFAULT_OPTIONS } from '../sessions/session.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { SpeakerNamesRepository } from './speaker-names.repository.js';
import { UsersRepository } from './users.repository.js';

afterAll(removeScratchDataDirs);

describe.each(databaseEngines(testConfig))('speaker names on $engine', ({ open }) => {
  let db: TestDatabase;
  let names: SpeakerNamesRepository;
  let sessionId: string;
  let userId: string;
  const workspace = `ws-${randomUUID()}`;
  const at = new Date('2026-12-05T10:00:00Z');

  beforeAll(async () => {
    db = await open();
    names = new SpeakerNamesRepository(db.knex);
    userId = await new UsersRepository(db.knex).resolve({ platform: 'cli', workspaceId: workspace, externalId: 'op' });
    const session = await new SessionsRepository(db.knex).create({
      id: randomUUID(),
      userId,
      filename: 'standup.mp4',
      origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
      sourceKind: 'upload',
      options: DEFAULT_OPTIONS,
    });
    sessionId = session.id;
  });

  afterAll(async () => {
    await db.knex('sessions').where({ id: sessionId }).delete();
    await db.knex('users').where({ workspace_id: workspace }).delete();
    await db.close();
  });

  it('saves names per label, replaces a name and forgets a cleared one', async () => {
    expect(await names.forSession(sessionId)).toEqual({});
    await names.save(sessionId, { SPEAKER_00: 'Maria', SPEAKER_01: 'Ali' }, 'op', at);
    await names.save(sessionId, { SPEAKER_00: 'María', SPEAKER_01: null }, null, at);
    expect(await names.forSession(sessionId)).toEqual({ SPEAKER_00: 'María' });
    expect(await db.knex('speaker_names').where({ session_id: sessionId }).first('named_by')).toEqual({ named_by: null });
  });

  it('keeps a speaker linked to a member until a typed name replaces the link', async () => {
    await names.save(sessionId, { SPEAKER_00: 'maria.s', SPEAKER_01: 'Ali' }, 'op', at, { SPEAKER_00: 'U0MARIA' });
    expect(await names.membersOf(sessionId)).toEqual({ SPEAKER_00: 'U0MARIA' });
    await names.save(sessionId, { SPEAKER_00: 'Maria' }, 'op', at);
    expect(await names.membersOf(sessionId)).toEqual({});
    expect(await names.forSession(sessionId)).toEqual({ SPEAKER_00: 'Maria', SPEAKER_01: 'Ali' });
  });

  it("renames a linked speaker only while the label is still linked to that member", async () => {
    await names.save(sessionId, { SPEAKER_00: 'maria.s', SPEAKER_01: 'Ali' }, 'op', at, { SPEAKER_00: 'U0MARIA' });
    expect(await names.renameMember(sessionId, 'SPEAKER_00', 'U0MARIA', 'Maria Silva')).toBe(true);
    expect(await names.renameMember(sessionId, 'SPEAKER_00', 'U0MARIA', 'Maria Silva')).toBe(false); // unchanged
    expect(await names.renameMember(sessionId, 'SPEAKER_00', 'U0OTHER', 'Someone')).toBe(false);
    expect(await names.renameMember(sessionId, 'SPEAKER_01', 'U0MARIA', 'Maria Silva')).toBe(false); // typed, not linked
    expect(await names.forSession(sessionId)).toEqual({ SPEAKER_00: 'Maria Silva', SPEAKER_01: 'Ali' });
  });

  it('are deleted with their session', async () => {
    const other = await new SessionsRepository(db.knex).create({
      id: randomUUID(),
      userId,
      filename: null,
      origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
      sourceKind: 'upload',
      options: DEFAULT_OPTIONS,
    });
    await names.save(other.id, { SPEAKER_00: 'Maria' }, 'op', at);
    await db.knex('sessions').where({ id: other.id }).delete();
    expect(await db.knex('speaker_names').where({ session_id: other.id })).toEqual([]);
  });
});
