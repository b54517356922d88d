import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../logger.js';
import type { Database } from './database-connection.js';
import { createKnex, freeMigrationLock, migrateLatest, type Knex } from './knex.js';
import { PgliteServer } from './pglite-server.js';
import { claimAdvert, currentAdvert, liveness, type Current, type ServerAddress } from './server-advert.js';

/** Connections one process keeps; all share one backend, so more would only wait longer. */
const POOL_SIZE = 5;
/** Room for several processes' pools (npm start, a CLI or two) and liveness probes. */
const MAX_CONNECTIONS = 64;
/** How long to wait for a server whose process lives but does not answer (it is starting or closing). */
const BUSY_WAIT_MS = 15_000;

interface Served extends ServerAddress {
  close(): Promise<void>;
}

/**
 * PostgreSQL embedded as PGlite, its files in `<dataDir>/postgres`. The first process to need it opens the
 * files, migrates them and serves them on loopback (advertised in `<dataDir>/postgres.server`); every other
 * process connects to that server, with the password the advert holds (each server makes its own). Each new
 * connection asks where the server is, so when the serving process exits another process takes over: the
 * one that next connects.
 */
export async function openEmbeddedDatabase(dataDir: string, log: Logger): Promise<Database> {
  const locator = new ServerLocator(resolve(dataDir), log);
  const knex = createKnex(() => locator.connection(), {
    min: 0,
    max: POOL_SIZE,
    // pg reports 'error' when a connection ends without being asked to (its server went away).
    afterCreate: (client: { on(event: 'error', listener: () => void): void }, done: (err: null, client: unknown) => void) => {
      client.on('error', () => locator.lost());
      done(null, client);
    },
  }, log);
  // A connection that cannot be made (the server went away meanwhile) also sends the next one looking.
  (knex.client as { pool: { on(event: 'createFail', listener: () => void): void } }).pool.on('createFail', () => locator.lost());
  const close = async () => {
    await knex.destroy();
    await locator.close();
  };
  try {
    await knex.raw('select 1'); // finds or opens the database now, so a failure stops start-up
  } catch (err) {
    await close();
    throw err;
  }
  return { knex, engine: 'pglite', close };
}

class ServerLocator {
  private readonly databaseDir: string;
  private readonly advertDir: string;
  private served: Served | null = null;
  private locating: Promise<ServerAddress> | null = null;
  private port: number | null = null;
  /** Bumped when a connection is lost: the next one locates the server again before connecting. */
  private losses = 0;
  private closed = false;

  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {
    this.databaseDir = join(dataDir, 'postgres');
    this.advertDir = join(dataDir, 'postgres.server');
  }

  async connection(): Promise<Knex.PgConnectionConfig> {
    const { port, password } = await (this.locating ??= this.locate().finally(() => (this.locating = null)));
    const losses = this.losses;
    return { host: '127.0.0.1', port, password, user: 'postgres', database: 'postgres', expirationChecker: () => this.losses !== losses };
  }

  lost(): void {
    this.losses++;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.locating?.catch(() => undefined);
    await this.served?.close();
    this.served = null;
  }

  private async locate(): Promise<ServerAddress> {
    if (this.served) return this.served;
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (;;) {
      if (this.closed) throw new Error('The embedded database was closed.');
      const current = await currentAdvert(this.advertDir);
      const state = current ? await liveness(current) : 'stale';
      if (state === 'live') return this.connectingTo(current!);
      if (state === 'busy') {
        if (Date.now() > deadline) throw heldElsewhere(current!);
        await sleep(100);
        continue;
      }
      const served = await this.serve((current?.n ?? 0) + 1);
      if (served) return served;
    }
  }

  private connectingTo(current: Current): ServerAddress {
    const { pid, port, password } = current.advert;
    if (port !== this.port) {
      this.log.info({ engine: 'pglite', dataDir: this.dataDir, servedBy: pid, port }, 'database: embedded PGlite, served by another process');
    }
    this.port = port;
    return { port: port!, password: password! };
  }

  /** Opens the files and serves them, unless another process claims advert `n` first (then null). */
  private async serve(n: number): Promise<Served | null> {
    const server = await PgliteServer.listen(MAX_CONNECTIONS);
    const claim = await claimAdvert(this.advertDir, n, { port: server.port, password: server.password });
    if (!claim) {
      await server.close();
      return null;
    }
    let db: PGlite | undefined;
    try {
      const started = performance.now();
      await mkdir(this.databaseDir, { recursive: true });
      db = await PGlite.create(this.databaseDir);
      const opened = performance.now();
      const applied = await migrate(db);
      server.serve(db);
      this.log.info(
        { engine: 'pglite', dataDir: this.dataDir, port: server.port, openMs: Math.round(opened - started), migrateMs: Math.round(performance.now() - opened), applied },
        'database: embedded PGlite, opened and served here',
      );
    } catch (err) {
      await server.close();
      await db?.close();
      await claim.release();
      throw new Error(`The embedded database in ${this.databaseDir} could not be opened: ${(err as Error).message}`, { cause: err });
    }
    const opened = db;
    this.port = server.port;
    this.served = {
      port: server.port,
      password: server.password,
      close: async () => {
        await server.close();
        await opened.close();
        await claim.release(); // only now may another process open the files
      },
    };
    return this.served;
  }
}

/**
 * Migrations run here, before the server lets anyone in: nobody else manages an embedded database, so a
 * migration lock still set is a crashed process's and is freed.
 */
async function migrate(db: PGlite): Promise<string[]> {
  const server = await PgliteServer.listen(1);
  server.serve(db);
  const knex = createKnex(`postgres://postgres:${server.password}@127.0.0.1:${server.port}/postgres`, { min: 0, max: 1 });
  try {
    await freeMigrationLock(knex);
    return await migrateLatest(knex);
  } finally {
    await knex.destroy();
    await server.close();
  }
}

function heldElsewhere(current: Current): Error {
  const { pid, port } = current.advert;
  return new Error(
    `The embedded database is held by process ${pid}, which does not answer on 127.0.0.1:${port}. ` +
      `Stop that process; if it is not Whisper Notes, delete ${current.file}.`,
  );
}
