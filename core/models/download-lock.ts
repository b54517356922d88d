import { randomUUID } from 'node:crypto';
import { link, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Logger } from '../logger.js';

/**
 * One writer per download, across every process that shares the models directory: the process whose
 * exclusive create of the lock file succeeds downloads, the others wait for it. The holder touches the file
 * while it works, so a lock nobody touched for `staleMs`, or whose process is gone from this host, was
 * abandoned (a crash, a kill) and is taken over.
 */

export const DEFAULT_LOCK_STALE_MS = 30_000;

export interface HeldLock {
  /** Aborts when another process took the lock over (this one stalled past the stale limit): stop writing. */
  lost: AbortSignal;
  /** Removes the lock if it is still this process's. */
  release(): Promise<void>;
}

export interface LockOptions {
  staleMs: number;
  log: Logger;
  signal?: AbortSignal;
}

const Owner = z.object({ pid: z.number().int().positive(), hostname: z.string() });

interface FoundLock {
  /** The file's text, which identifies this holding: a takeover compares it before removing anything. */
  text: string;
  mtimeMs: number;
}

/** Waits until this process holds the lock at `lockPath`, taking over an abandoned one. */
export async function acquireLock(lockPath: string, opts: LockOptions): Promise<HeldLock> {
  const mine = JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomUUID() });
  let toldWaiting = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      await writeFile(lockPath, mine, { flag: 'wx' });
      return hold(lockPath, mine, opts);
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    const found = await readLock(lockPath);
    if (!found) continue;
    if (isAbandoned(found, opts.staleMs)) {
      opts.log.warn({ lock: lockPath, holder: found.text }, 'taking over an abandoned model download');
      await removeAbandoned(lockPath, found);
      continue;
    }
    if (!toldWaiting) opts.log.info({ lock: lockPath, holder: found.text }, 'another process is downloading this model; waiting for it');
    toldWaiting = true;
    // Without a signal the sleep never rejects; with one, it rejects only when the signal aborts.
    await sleep(Math.min(500, opts.staleMs / 4), undefined, { signal: opts.signal }).catch(() => opts.signal?.throwIfAborted());
  }
}

/** Whether a live process holds the lock at `lockPath` now. */
export async function isLockHeld(lockPath: string, staleMs = DEFAULT_LOCK_STALE_MS): Promise<boolean> {
  const found = await readLock(lockPath);
  return found !== null && !isAbandoned(found, staleMs);
}

function hold(lockPath: string, mine: string, opts: LockOptions): HeldLock {
  const lost = new AbortController();
  const refresh = async () => {
    if ((await readLock(lockPath))?.text !== mine) {
      lost.abort(new Error('another process took over the download while this one was stalled'));
      return;
    }
    const now = new Date();
    await utimes(lockPath, now, now);
  };
  const timer = setInterval(() => {
    if (!lost.signal.aborted) refresh().catch((err: unknown) => opts.log.warn({ err, lock: lockPath }, 'could not refresh the model download lock'));
  }, opts.staleMs / 3);
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      if ((await readLock(lockPath))?.text === mine) await unlink(lockPath).catch(ignoreMissing);
    },
  };
}

async function readLock(lockPath: string): Promise<FoundLock | null> {
  try {
    const { mtimeMs } = await stat(lockPath);
    return { text: await readFile(lockPath, 'utf8'), mtimeMs };
  } catch (err) {
    ignoreMissing(err);
    return null;
  }
}

/** Unrefreshed for `staleMs`, or its process is gone from this host. */
function isAbandoned(found: FoundLock, staleMs: number): boolean {
  if (Date.now() - found.mtimeMs > staleMs) return true;
  const owner = parseOwner(found.text); // empty while its creator has yet to write it
  return owner !== null && owner.hostname === hostname() && !isRunning(owner.pid);
}

function parseOwner(text: string): z.infer<typeof Owner> | null {
  try {
    return Owner.safeParse(JSON.parse(text)).data ?? null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM'; // alive, owned by another user
  }
}

/**
 * Removes the abandoned lock unless it changed since it was judged: two waiters may judge the same lock
 * abandoned, and the slower one must not delete the lock the faster one has just made. Moving it aside is
 * atomic, so each waiter inspects exactly the file it took; a live lock taken by mistake is put back (should
 * a third process have made one meanwhile, the live holder sees its lock gone and stops).
 */
async function removeAbandoned(lockPath: string, judged: FoundLock): Promise<void> {
  const aside = `${lockPath}.${randomUUID()}.abandoned`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    ignoreMissing(err); // another waiter took it
    return;
  }
  if ((await readFile(aside, 'utf8')) !== judged.text) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside);
}

function errorCode(err: unknown): unknown {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function ignoreMissing(err: unknown): void {
  if (errorCode(err) !== 'ENOENT') throw err;
}
