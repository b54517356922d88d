import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../core/config.js';
import { openDatabase, type Database } from '../../core/db/database.js';
import { createKnex, migrateLatest } from '../../core/db/knex.js';
import { createLogger } from '../../core/logger.js';

/** The machine's PostgreSQL; each test run or benchmark creates a database of its own there. */
export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a uniquely named, migrated database; `drop` removes it even while connections remain. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = createKnex(ADMIN_URL, { min: 0, max: 1 });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = createKnex(url.toString(), { min: 0, max: 1 });
  await migrateLatest(db);
  await db.destroy();
  return {
    url: url.toString(),
    drop: async () => {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

const silent = createLogger('silent');

/** The configuration of the embedded engine (DATABASE_URL unset) keeping its data in `dataDir`. */
export function embeddedConfig(dataDir: string): Config {
  return loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir });
}

/** This test file's temporary data directories (remove them with removeScratchDataDirs, in afterAll). */
let scratchRoot: Promise<string> | undefined;
/** A closed, migrated embedded database, made once per test file (creating one takes seconds) and copied. */
let template: Promise<string> | undefined;

export async function scratchDataDir(): Promise<string> {
  scratchRoot ??= mkdtemp(join(tmpdir(), 'wn-data-'));
  return mkdtemp(join(await scratchRoot, 'd-'));
}

/** Removes every directory scratchDataDir made; the databases in them must be closed first. */
export async function removeScratchDataDirs(): Promise<void> {
  if (scratchRoot) await rm(await scratchRoot, { recursive: true, force: true });
  scratchRoot = undefined;
  template = undefined;
}

/** A data directory of its own holding a migrated embedded database. */
export async function embeddedDataDir(): Promise<string> {
  template ??= (async () => {
    const dir = await scratchDataDir();
    await (await openDatabase(embeddedConfig(dir), silent)).close();
    return dir;
  })();
  const dir = await scratchDataDir();
  await cp(join(await template, 'postgres'), join(dir, 'postgres'), { recursive: true });
  return dir;
}

export interface DatabaseEngine {
  engine: Database['engine'];
  open: () => Promise<TestDatabase>;
}

export interface TestDatabase extends Database {
  /** Another pool on the same database, as a second process has (on PGlite: through the first's server). */
  another(): Promise<Database>;
}

/**
 * Both engines, for suites that must hold on each: `describe.each(databaseEngines(testConfig))`. PostgreSQL
 * is the run's scratch database (from the test configuration), PGlite a data directory of its own.
 */
export function databaseEngines(postgres: () => Config): DatabaseEngine[] {
  const opener = (config: Config) => async (): Promise<TestDatabase> => {
    const another = () => openDatabase(config, silent);
    return { ...(await another()), another };
  };
  return [
    { engine: 'postgres', open: () => opener(postgres())() },
    { engine: 'pglite', open: async () => opener(embeddedConfig(await embeddedDataDir()))() },
  ];
}
