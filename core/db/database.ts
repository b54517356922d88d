import type { Config, Engines } from '../config.js';
import type { Logger } from '../logger.js';
import { openEmbeddedDatabase } from './embedded-database.js';
import { createKnex, type Knex } from './knex.js';

/** The metadata database, on whichever engine the configuration names; the code above sees only knex. */
export interface Database {
  knex: Knex;
  engine: Engines['database'];
  close(): Promise<void>;
}

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
