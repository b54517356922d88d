import type { Knex } from 'knex';

/**
 * Holds the session's todo lock until `trx` ends: everything that rewrites todos.json (ticks, edits,
 * regenerating the notes) takes it, so none of them loses another's change. Keyed by a 64-bit hash of the
 * session, namespaced to todos.
 */
export async function lockSessionTodos(trx: Knex.Transaction, sessionId: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`todos:${sessionId}`]);
}
