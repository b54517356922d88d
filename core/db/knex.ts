import knexFactory, { type Knex } from 'knex';
import { migrations } from '../../migrations/index.js';
import type { Logger } from '../logger.js';

export type { Knex };

/**
 * A pg client: a URL, or a provider asked again whenever its last answer reports itself expired. With a
 * logger, knex's own warnings (a pooled connection that ended, say) go there instead of the console.
 */
export function createKnex(connection: string | Knex.ConnectionConfigProvider, pool: Knex.PoolConfig = { min: 0, max: 10 }, log?: Logger): Knex {
  const warn = (message: unknown) => log?.warn({ detail: String(message) }, 'database client warning');
  return knexFactory({ client: 'pg', connection, pool, ...(log && { log: { warn, error: warn } }) });
}

const migrationSource: Knex.MigrationSource<[string, Knex.Migration]> = {
  getMigrations: () => Promise.resolve(migrations),
  getMigrationName: ([name]) => name,
  getMigration: ([, migration]) => Promise.resolve(migration),
};

/** Runs pending migrations from `migrations/`; returns the names applied. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/**
 * Frees the lock of a migration run whose process died mid-way (knex keeps it in knex_migrations_lock and
 * refuses to migrate while it is set). Only for a database that nobody else can be migrating.
 */
export async function freeMigrationLock(knex: Knex): Promise<void> {
  await knex.migrate.forceFreeMigrationsLock({ migrationSource });
}
