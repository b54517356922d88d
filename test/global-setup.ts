import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createKnex, migrateLatest } from '../core/db/knex.js';

/** Base URL of the machine's PostgreSQL; each test run gets a database of its own there. */
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const name = `wn_test_${randomBytes(6).toString('hex')}`;
  const admin = createKnex(ADMIN_URL, { min: 0, max: 1 });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = createKnex(url.toString(), { min: 0, max: 1 });
  await migrateLatest(db);
  await db.destroy();
  project.provide('databaseUrl', url.toString());

  return async () => {
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.destroy();
  };
}
