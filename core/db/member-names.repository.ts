import type { Knex } from 'knex';

/** A channel of a chat workspace, where a name heard in meetings stands for one member. */
export interface MemberPlace {
  platform: string;
  /** `''` when the platform has none. */
  workspaceId: string;
  channelId: string;
}

/** "In this channel, Maria was linked to member X before." */
export interface RememberedMember {
  /** The name as it was heard or given. */
  name: string;
  memberId: string;
}

/**
 * Which member a name stood for in a channel (table member_names, docs/architecture.md#database-tables):
 * suggestions for the next meeting there, never applied without a person choosing them.
 */
export class MemberNamesRepository {
  constructor(private readonly knex: Knex) {}

  /** Links each name (letter case aside) to the member in this channel; the latest link wins. */
  async remember(place: MemberPlace, names: string[], memberId: string, at: Date): Promise<void> {
    const unique = [...new Map(names.map((n) => [n.toLowerCase(), n])).values()];
    if (unique.length === 0) return;
    const rows = unique.map((name) => ({ platform: place.platform, workspace_id: place.workspaceId, channel_id: place.channelId, name, member_id: memberId, used_at: at }));
    await this.knex.raw(
      `? ON CONFLICT (platform, workspace_id, channel_id, lower(name))
       DO UPDATE SET name = excluded.name, member_id = excluded.member_id, used_at = excluded.used_at`,
      [this.knex('member_names').insert(rows)],
    );
  }

  /** The members these names (letter case aside) were linked to in this channel, in the order asked. */
  async lookup(place: MemberPlace, names: string[]): Promise<RememberedMember[]> {
    if (names.length === 0) return [];
    const rows = await this.knex('member_names')
      .where({ platform: place.platform, workspace_id: place.workspaceId, channel_id: place.channelId })
      .whereRaw(`lower(name) in (${names.map(() => '?').join(', ')})`, names.map((n) => n.toLowerCase()))
      .select<Array<{ name: string; member_id: string }>>('name', 'member_id');
    const byName = new Map(rows.map((r) => [r.name.toLowerCase(), r.member_id]));
    return names.flatMap((name) => {
      const memberId = byName.get(name.toLowerCase());
      return memberId ? [{ name, memberId }] : [];
    });
  }
}
