import type { Knex } from 'knex';

/**
 * Runs `work` in a transaction holding the session's todos lock, the one every read-modify-write of its
 * todos.json takes (docs/architecture.md#todo-events): the object store has no compare-and-swap, so a tick and
 * a regeneration never overwrite each other, whichever process serves them. Queries inside must use `trx`.
 */
export async function withTodosLock<T>(knex: Knex, sessionId: string, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return knex.transaction(async (trx) => {
    // Held until the transaction ends; keyed by a 64-bit hash of the session, namespaced to todos.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`todos:${sessionId}`]);
    return work(trx);
  });
}
