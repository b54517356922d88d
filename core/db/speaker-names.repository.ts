import type { Knex } from 'knex';
import type { SpeakerNames } from '../domain/speaker-name.js';

interface SpeakerNameRow {
  session_id: string;
  label: string;
  name: string;
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

  /** Saves several names at once: a name replaces the label's previous one, null removes it. */
  async save(sessionId: string, names: Readonly<Record<string, string | null>>, by: string | null, at: Date): Promise<void> {
    const entries = Object.entries(names);
    const named = entries.flatMap(([label, name]) => (name === null ? [] : [{ session_id: sessionId, label, name, named_by: by, named_at: at }]));
    const cleared = entries.filter(([, name]) => name === null).map(([label]) => label);
    await this.knex.transaction(async (trx) => {
      if (named.length > 0) await trx<SpeakerNameRow>('speaker_names').insert(named).onConflict(['session_id', 'label']).merge(['name', 'named_by', 'named_at']);
      if (cleared.length > 0) await trx<SpeakerNameRow>('speaker_names').where({ session_id: sessionId }).whereIn('label', cleared).delete();
    });
  }
}
