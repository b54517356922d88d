import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { testConfig } from '../../test/helpers/config.js';
import { embeddedConfig, embeddedDataDir, removeScratchDataDirs, scratchDataDir } from '../../test/helpers/database.js';
import { until } from '../../test/helpers/until.js';
import { createLogger } from '../logger.js';
import { openDatabase, type Database } from './database.js';

const log = createLogger('silent');
const opened: Database[] = [];
const open = async (dataDir: string) => {
  const db = await openDatabase(embeddedConfig(dataDir), log);
  opened.push(db);
  return db;
};
/** Files opened by PGlite in this process (never by another open of the same directory). */
const fileOpens = () => vi.spyOn(PGlite, 'create');

afterEach(async () => {
  // Clients first: the server's process closes last, as an operator would stop things.
  for (const db of opened.splice(0).reverse()) await db.close();
  vi.restoreAllMocks();
});
afterAll(removeScratchDataDirs);

async function addUser(db: Database): Promise<string> {
  const externalId = randomUUID();
  await db.knex('users').insert({ id: randomUUID(), platform: 'cli', external_id: externalId });
  return externalId;
}
const userIds = (db: Database) => db.knex('users').orderBy('external_id').pluck('external_id');

/** Another process on the data directory (`node --import tsx …args`), logging at info. */
function processOn(dataDir: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit').then(() => output);
  return { child, output: () => output, exited };
}

/** Another process that opens the database and runs `code` (a module body, `db` in scope). */
const otherProcess = (dataDir: string, code: string) =>
  processOn(dataDir, [
    '--input-type=module',
    '-e',
    `const { openDatabase } = await import('./core/db/database.ts');
     const { loadConfig } = await import('./core/config.ts');
     const { createLogger } = await import('./core/logger.ts');
     const db = await openDatabase(loadConfig(), createLogger('info'));
     ${code}`,
  ]);

/** Holds the database open, as `npm start` does, after adding a user; killed by the test. */
const holdingProcess = (dataDir: string, externalId: string) =>
  otherProcess(
    dataDir,
    `await db.knex('users').insert({ id: crypto.randomUUID(), platform: 'cli', external_id: '${externalId}' });
     console.log('HOLDING');
     setInterval(() => {}, 60_000);`,
  );

const SERVED_HERE = 'database: embedded PGlite, opened and served here';
const SERVED_ELSEWHERE = 'database: embedded PGlite, served by another process';

describe('openDatabase', () => {
  it('creates a fresh data directory, migrates it and reports the engine', { timeout: 90_000 }, async () => {
    const dataDir = join(await scratchDataDir(), 'nested', 'data');
    const db = await open(dataDir);
    expect(db.engine).toBe('pglite');
    expect(await db.knex('knex_migrations').orderBy('id').pluck('name')).toEqual(migrations.map(([name]) => name));
    expect((await stat(join(dataDir, 'postgres', 'PG_VERSION'))).isFile()).toBe(true);

    const postgres = await openDatabase(testConfig(), log);
    opened.push(postgres);
    expect(postgres.engine).toBe('postgres');
    expect((await postgres.knex.raw<{ rows: unknown[] }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('keeps its rows across a close and a reopen', async () => {
    const dataDir = await embeddedDataDir();
    const first = await open(dataDir);
    const user = await addUser(first);
    await first.close();
    expect(await userIds(await open(dataDir))).toEqual([user]);
  });

  it('opens after a process died while migrating it', async () => {
    const dataDir = await embeddedDataDir();
    const first = await open(dataDir);
    await first.knex('knex_migrations_lock').update({ is_locked: 1 });
    await first.close();
    const reopened = await open(dataDir);
    expect(await reopened.knex('knex_migrations_lock').pluck('is_locked')).toEqual([0]);
  });

  it('opens a directory once: a second open, here or in another process, uses the first one’s server', async () => {
    const dataDir = await embeddedDataDir();
    const creates = fileOpens();
    const [a, b] = await Promise.all([open(dataDir), open(dataDir)]);
    expect(creates).toHaveBeenCalledTimes(1);

    const users = [await addUser(a), await addUser(b)].sort();
    expect(await userIds(a)).toEqual(users);
    expect(await userIds(b)).toEqual(users);

    const other = otherProcess(dataDir, `console.log('USERS=' + (await db.knex('users').count({ n: '*' }))[0].n); await db.close();`);
    const output = await other.exited;
    expect(other.child.exitCode, output).toBe(0);
    expect(output).toContain('USERS=2');
    expect(output).toContain(SERVED_ELSEWHERE);
    expect(output).not.toContain(SERVED_HERE);
  });

  it('serves only clients that send the password of its advert, which its owner alone can read', async () => {
    const dataDir = await embeddedDataDir();
    const user = await addUser(await open(dataDir));
    const advertDir = join(dataDir, 'postgres.server');
    const advertFile = join(advertDir, '1.json');
    expect((await stat(advertDir)).mode & 0o777).toBe(0o700);
    expect((await stat(advertFile)).mode & 0o777).toBe(0o600);
    const { port, password } = JSON.parse(await readFile(advertFile, 'utf8')) as { port: number; password: string };

    const query = async (password: string | undefined) => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password });
      try {
        await client.connect();
        return (await client.query<{ external_id: string }>('select external_id from users')).rows.map((r) => r.external_id);
      } finally {
        await client.end();
      }
    };
    for (const wrong of [undefined, 'postgres', password.toUpperCase()]) {
      await expect(query(wrong)).rejects.toMatchObject({ code: '28P01' });
    }
    expect(await query(password)).toEqual([user]);
  });

  it('`npm run migrate` on a directory in use goes through its server', async () => {
    const dataDir = await embeddedDataDir();
    await open(dataDir);
    const migrate = processOn(dataDir, ['core/db/migrate.ts']);
    const output = await migrate.exited;
    expect(migrate.child.exitCode, output).toBe(0);
    expect(output).toContain(SERVED_ELSEWHERE);
    expect(output).toContain('database is up to date');
  });

  it('carries on when the serving process closes: the next connection opens the files here', async () => {
    const dataDir = await embeddedDataDir();
    const creates = fileOpens();
    const server = await open(dataDir);
    const client = await open(dataDir);
    const user = await addUser(client);
    await server.close();

    expect(await userIds(client)).toEqual([user]);
    expect(creates).toHaveBeenCalledTimes(2);
  });

  it('takes over from a server whose process was killed, keeping what it committed', { timeout: 90_000 }, async () => {
    const dataDir = await embeddedDataDir();
    const holder = holdingProcess(dataDir, 'from-the-killed-one');
    await until('the other process to hold the database', async () => holder.output().includes('HOLDING') || holder.child.exitCode !== null);
    expect(holder.output()).toContain(SERVED_HERE);

    const creates = fileOpens();
    const client = await open(dataDir);
    expect(await userIds(client)).toEqual(['from-the-killed-one']);
    expect(creates).not.toHaveBeenCalled();

    holder.child.kill('SIGKILL');
    await holder.exited;
    // Queries on connections to the dead server fail; the next connection opens the files here.
    await until('the database to be served here', () => userIds(client).catch(() => null));
    expect(creates).toHaveBeenCalledTimes(1);
    const user = await addUser(client);
    expect(await userIds(client)).toEqual(['from-the-killed-one', user].sort());
    expect(await readdir(join(dataDir, 'postgres.server'))).toEqual(['2.json']);
  });

  it('recovers from the advert of a killed process that nobody was using', { timeout: 90_000 }, async () => {
    const dataDir = await embeddedDataDir();
    const holder = holdingProcess(dataDir, 'left-behind');
    await until('the other process to hold the database', async () => holder.output().includes('HOLDING') || holder.child.exitCode !== null);
    holder.child.kill('SIGKILL');
    await holder.exited;

    const creates = fileOpens();
    const db = await open(dataDir);
    expect(creates).toHaveBeenCalledTimes(1);
    expect(await userIds(db)).toEqual(['left-behind']);
  });
});
