import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import { databaseEngines, removeScratchDataDirs, type TestDatabase } from '../../test/helpers/database.js';
import { MemberNamesRepository, type MemberPlace } from './member-names.repository.js';

afterAll(removeScratchDataDirs);

describe.each(databaseEngines(testConfig))('member names on $engine', ({ open }) => {
  let db: TestDatabase;
  let members: MemberNamesRepository;
  const here: MemberPlace = { platform: 'slack', workspaceId: `T${randomUUID()}`, channelId: 'C0GENERAL' };
  const at = new Date('2026-12-06T10:00:00Z');

  beforeAll(async () => {
    db = await open();
    members = new MemberNamesRepository(db.knex);
  });

  afterAll(async () => {
    await db.knex('member_names').where({ workspace_id: here.workspaceId }).delete();
    await db.close();
  });

  it('remembers which member a name stood for in a channel, letter case aside, in the order asked', async () => {
    await members.remember(here, ['Maria', 'maria', 'Maria Silva'], 'U0MARIA', at);
    await members.remember(here, ['Ali'], 'U0ALI', at);
    expect(await members.lookup(here, ['ALI', 'Nobody', 'maria'])).toEqual([
      { name: 'ALI', memberId: 'U0ALI' },
      { name: 'maria', memberId: 'U0MARIA' },
    ]);
    const rows = await db.knex('member_names').where({ workspace_id: here.workspaceId }).orderByRaw('lower(name)').select('name', 'member_id');
    expect(rows).toEqual([
      { name: 'Ali', member_id: 'U0ALI' },
      { name: 'maria', member_id: 'U0MARIA' }, // "Maria" then "maria": one row, the latest spelling
      { name: 'Maria Silva', member_id: 'U0MARIA' },
    ]);
  });

  it('lets the latest link of a name win', async () => {
    await members.remember(here, ['maria'], 'U0MARIA2', new Date('2026-12-07T10:00:00Z'));
    expect(await members.lookup(here, ['Maria'])).toEqual([{ name: 'Maria', memberId: 'U0MARIA2' }]);
  });

  it('keeps channels, workspaces and platforms apart', async () => {
    for (const elsewhere of [{ ...here, channelId: 'C0OTHER' }, { ...here, workspaceId: 'T0OTHER' }, { ...here, platform: 'discord' }]) {
      expect(await members.lookup(elsewhere, ['Maria', 'Ali'])).toEqual([]);
    }
  });
});
