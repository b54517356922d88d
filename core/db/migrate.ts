import '../quiet-warnings.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openDatabase } from './database.js';
import { migrateLatest } from './knex.js';

// The embedded engine migrates when it opens; on PostgreSQL this is the step that does it.
const config = loadConfig();
const log = createLogger(config.logLevel, 'migrate', 1, config.logFormat);
const database = await openDatabase(config, log);
try {
  const applied = await migrateLatest(database.knex);
  log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
} finally {
  await database.close();
}
