import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Database } from './database-connection.js';
import { openEmbeddedDatabase } from './embedded-database.js';
import { createKnex } from './knex.js';

export type { Database } from './database-connection.js';

/**
 * PostgreSQL at DATABASE_URL (migrated by `npm run migrate` or the compose `migrate` service), or, when
 * DATABASE_URL is not set, PGlite under DATA_DIR: migrated on open and shared with the other processes
 * that use the same directory (see embedded-database.ts).
 */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  if (config.engines.database === 'pglite') return openEmbeddedDatabase(config.dataDir, log);
  const knex = createKnex(config.databaseUrl);
  const { host, pathname } = new URL(config.databaseUrl);
  log.info({ engine: 'postgres', host, database: pathname.slice(1) }, 'database: PostgreSQL');
  return { knex, engine: 'postgres', close: () => knex.destroy() };
}
