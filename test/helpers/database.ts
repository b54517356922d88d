import { randomBytes } from 'node:crypto';
import { createKnex, migrateLatest } from '../../core/db/knex.js';

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
