import type { Knex } from 'knex';

interface NotesVersionRow {
  session_id: string;
  version: number;
  instruction: string | null;
  model: string | null;
  requested_by: string | null;
  created_at: Date;
}

/** How a version of a session's notes was asked for (version 1, the first notes, has no row). */
export interface NotesVersion {
  version: number;
  instruction: string | null;
  model: string | null;
  requestedBy: string | null;
  createdAt: Date;
}

export type NewNotesVersion = Omit<NotesVersion, 'createdAt'>;

/** Regenerated versions of sessions' notes (table notes_versions, docs/architecture.md#database-tables). */
export class NotesVersionsRepository {
  constructor(private readonly knex: Knex) {}

  /** The session's regenerated versions, oldest first. */
  async forSession(sessionId: string): Promise<NotesVersion[]> {
    const rows = await this.knex<NotesVersionRow>('notes_versions').where({ session_id: sessionId }).orderBy('version');
    return rows.map((r) => ({ version: r.version, instruction: r.instruction, model: r.model, requestedBy: r.requested_by, createdAt: r.created_at }));
  }

  /**
   * Makes `v` the session's current version: its row, and `sessions.notes_version`. Runs on `trx`, the
   * transaction that holds the session's todos lock while the documents are replaced.
   */
  async makeCurrent(trx: Knex.Transaction, sessionId: string, v: NewNotesVersion): Promise<void> {
    await trx<NotesVersionRow>('notes_versions').insert({
      session_id: sessionId,
      version: v.version,
      instruction: v.instruction,
      model: v.model,
      requested_by: v.requestedBy,
    });
    await trx('sessions').where({ id: sessionId }).update({ notes_version: v.version, updated_at: trx.fn.now() });
  }
}
