import type { Knex } from 'knex';
import type { SpeakerMembers } from '../domain/speaker-members.js';
import type { SpeakerNames } from '../domain/speaker-name.js';

interface SpeakerNameRow {
  session_id: string;
  label: string;
  name: string;
  /** The chat member the speaker is linked to; null for a typed name. */
  member_id: string | null;
  named_by: string | null;
  named_at: Date;
}

/** The names given to sessions' speakers (table speaker_names, docs/architecture.md#database-tables). */
export class SpeakerNamesRepository {
  constructor(private readonly knex: Knex) {}

  async forSession(sessionId: string): Promise<SpeakerNames> {
    const rows = await this.knex<SpeakerNameRow>('speaker_names').where({ session_id: sessionId }).orderBy('label').select('label', 'name');
    return Object.fromEntries(rows.map((r) => [r.label, r.name]));
  }

  /** The speakers linked to chat members, by label. */
  async membersOf(sessionId: string): Promise<SpeakerMembers> {
    const rows = await this.knex<SpeakerNameRow>('speaker_names').where({ session_id: sessionId }).whereNotNull('member_id').orderBy('label').select('label', 'member_id');
    return Object.fromEntries(rows.map((r) => [r.label, r.member_id!]));
  }

  /**
   * Saves several names at once: a name replaces the label's previous one, null removes it. A label in
   * `members` is linked to that member; any other name saved is a typed one (a link it had is dropped).
   */
  async save(sessionId: string, names: Readonly<Record<string, string | null>>, by: string | null, at: Date, members: SpeakerMembers = {}): Promise<void> {
    const entries = Object.entries(names);
    const named = entries.flatMap(([label, name]) => (name === null ? [] : [{ session_id: sessionId, label, name, member_id: members[label] ?? null, named_by: by, named_at: at }]));
    const cleared = entries.filter(([, name]) => name === null).map(([label]) => label);
    await this.knex.transaction(async (trx) => {
      if (named.length > 0) await trx<SpeakerNameRow>('speaker_names').insert(named).onConflict(['session_id', 'label']).merge(['name', 'member_id', 'named_by', 'named_at']);
      if (cleared.length > 0) await trx<SpeakerNameRow>('speaker_names').where({ session_id: sessionId }).whereIn('label', cleared).delete();
    });
  }

  /**
   * A linked speaker's name as their chat profile says now. Only the name changes, and only while the label
   * is still linked to that member; returns whether a row changed.
   */
  async renameMember(sessionId: string, label: string, memberId: string, name: string): Promise<boolean> {
    const changed = await this.knex<SpeakerNameRow>('speaker_names').where({ session_id: sessionId, label, member_id: memberId }).whereNot({ name }).update({ name });
    return changed > 0;
  }
}
