import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createKnex, migrateLatest } from './knex.js';

const config = loadConfig();
const log = createLogger(config.logLevel, 'migrate');
const knex = createKnex(config.databaseUrl);
try {
  const applied = await migrateLatest(knex);
  log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
} finally {
  await knex.destroy();
}
