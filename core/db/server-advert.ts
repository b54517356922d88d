import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

/**
 * Which process serves the embedded database of a data directory, so that exactly one process ever opens
 * its files (two PGlite instances on one directory corrupt it) and the others connect to that one.
 *
 * Adverts are numbered files `<dir>/<n>.json` saying `{"pid", "port", "password"}`; the highest number is
 * the current one. The password lets a process in, so the directory and the files are the owner's alone. A process that finds none, or finds the current one stale, claims number n + 1 by creating that
 * file exclusively: of processes racing for it exactly one succeeds. The current advert is never deleted
 * (a closed server marks it `"port": null`), so numbers only grow and a late claim of an old number is
 * seen to be behind and withdrawn.
 */

export interface Advert {
  pid: number;
  /** null once its server has closed. */
  port: number | null;
  /** What its server's clients send; null once it has closed. */
  password: string | null;
}

/** Where a server listens and the password it asks for. */
export interface ServerAddress {
  port: number;
  password: string;
}

export interface Current {
  n: number;
  file: string;
  advert: Advert;
}

/** What the current advert says about its server. `busy`: its process lives but does not answer (yet). */
export type Liveness = 'live' | 'busy' | 'stale';

export interface Claim {
  file: string;
  /** Marks the advert closed: the next process to look takes over at once. */
  release(): Promise<void>;
}

/** Adverts this process wrote: its own pid on any other advert is a previous life's (pids are reused). */
const written = new Set<string>();

export async function currentAdvert(dir: string): Promise<Current | null> {
  const n = Math.max(0, ...(await numbers(dir)));
  if (n === 0) return null;
  const file = advertFile(dir, n);
  try {
    return { n, file, advert: parseAdvert(await readFile(file, 'utf8')) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return currentAdvert(dir); // withdrawn meanwhile
    return { n, file, advert: { pid: 0, port: null, password: null } }; // unreadable: no server answers through it
  }
}

export async function liveness(current: Current): Promise<Liveness> {
  const { pid, port } = current.advert;
  if (port === null) return 'stale';
  if (await answers(port)) return 'live';
  const alive = pid === process.pid ? written.has(current.file) : processExists(pid);
  return alive ? 'busy' : 'stale';
}

/**
 * Claims number `n` for `server`; null when another process got there first. The claim is withdrawn when a
 * higher number exists (this process had looked at an advert that was since replaced).
 */
export async function claimAdvert(dir: string, n: number, server: ServerAddress): Promise<Claim | null> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  await chmod(dir, PRIVATE_DIR); // mkdir leaves a directory that exists as it is (earlier versions made it open to all)
  const file = advertFile(dir, n);
  const draft = await writeDraft(file, { pid: process.pid, port: server.port, password: server.password });
  try {
    await link(draft, file); // atomic and exclusive, and the file is complete when it appears
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  } finally {
    await unlink(draft);
  }
  const others = (await numbers(dir)).filter((m) => m !== n);
  if (others.some((m) => m > n)) {
    await unlink(file).catch(() => undefined);
    return null;
  }
  await Promise.all(others.map((m) => unlink(advertFile(dir, m)).catch(() => undefined)));
  written.add(file);
  return {
    file,
    release: async () => {
      await rename(await writeDraft(file, { pid: process.pid, port: null, password: null }), file);
      written.delete(file);
    },
  };
}

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

const advertFile = (dir: string, n: number) => join(dir, `${n}.json`);

/** Writes `advert` beside `file`, readable by this user alone from the start, and returns its path. */
async function writeDraft(file: string, advert: Advert): Promise<string> {
  const draft = `${file}.${randomBytes(6).toString('hex')}.draft`;
  await writeFile(draft, JSON.stringify(advert), { mode: PRIVATE_FILE, flag: 'wx' });
  return draft;
}

async function numbers(dir: string): Promise<number[]> {
  try {
    return (await readdir(dir)).map((name) => /^(\d+)\.json$/.exec(name)?.[1]).filter((n) => n !== undefined).map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function parseAdvert(text: string): Advert {
  const { pid, port, password } = JSON.parse(text) as Partial<Advert>;
  if (typeof pid !== 'number') throw new Error('not an advert');
  if (port === null) return { pid, port, password: null };
  if (typeof port !== 'number' || typeof password !== 'string') throw new Error('not an advert');
  return { pid, port, password };
}

/** Whether a process with this id exists (whoever owns it). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Whether something accepts connections on the loopback port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
