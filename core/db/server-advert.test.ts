import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeScratchDataDirs, scratchDataDir } from '../../test/helpers/database.js';
import { claimAdvert, currentAdvert, liveness } from './server-advert.js';

let listening: Server;
let port: number;
/** The address of a server on `port`. */
let server: { port: number; password: string };
/** A loopback port nothing listens on. */
let closedPort: number;

beforeAll(async () => {
  listening = createServer().listen(0, '127.0.0.1');
  await once(listening, 'listening');
  port = (listening.address() as { port: number }).port;
  server = { port, password: 'the-password' };
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await new Promise((resolve) => listening.close(resolve));
  await removeScratchDataDirs();
});

async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

describe('server adverts', () => {
  it('lets exactly one of several claims of the next number through', async () => {
    const dir = await scratchDataDir();
    const claims = await Promise.all(Array.from({ length: 5 }, () => claimAdvert(dir, 1, server)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await currentAdvert(dir)).toEqual({ n: 1, file: join(dir, '1.json'), advert: { pid: process.pid, port, password: 'the-password' } });
    expect(await liveness((await currentAdvert(dir))!)).toBe('live');
  });

  it('withdraws a late claim of a number behind the current one, and clears older ones on success', async () => {
    const dir = await scratchDataDir();
    await writeFile(join(dir, '1.json'), JSON.stringify({ pid: await exitedPid(), port: closedPort, password: 'x' }));
    expect(await claimAdvert(dir, 3, server)).not.toBeNull();
    expect(await readdir(dir)).toEqual(['3.json']);
    expect(await claimAdvert(dir, 2, server)).toBeNull(); // it had looked at advert 1, since replaced
    expect(await readdir(dir)).toEqual(['3.json']);
  });

  it('tells a live server from a stale advert, and from one whose process lives but does not answer', async () => {
    const dir = await scratchDataDir();
    await writeFile(join(dir, '1.json'), JSON.stringify({ pid: await exitedPid(), port: closedPort, password: 'x' }));
    expect(await liveness((await currentAdvert(dir))!)).toBe('stale');

    await writeFile(join(dir, '2.json'), JSON.stringify({ pid: process.ppid, port: closedPort, password: 'x' }));
    expect(await liveness((await currentAdvert(dir))!)).toBe('busy');

    // This process's pid on an advert it did not write is a previous life's.
    await writeFile(join(dir, '3.json'), JSON.stringify({ pid: process.pid, port: closedPort, password: 'x' }));
    expect(await liveness((await currentAdvert(dir))!)).toBe('stale');

    await writeFile(join(dir, '4.json'), 'not json');
    expect(await liveness((await currentAdvert(dir))!)).toBe('stale');
  });

  it('marks a released advert closed, so the next process takes over at once', async () => {
    const dir = await scratchDataDir();
    const claim = await claimAdvert(dir, 1, server);
    await claim!.release();
    const current = await currentAdvert(dir);
    expect(current).toMatchObject({ n: 1, advert: { pid: process.pid, port: null, password: null } });
    expect(await liveness(current!)).toBe('stale');
    expect(await claimAdvert(dir, 2, server)).not.toBeNull();
  });

  it('keeps the directory and every advert, open or released, to their owner alone', async () => {
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    const fresh = join(await scratchDataDir(), 'postgres.server');
    const claim = await claimAdvert(fresh, 1, server);
    expect(await mode(fresh)).toBe(0o700);
    expect(await mode(claim!.file)).toBe(0o600);
    await claim!.release();
    expect(await mode(claim!.file)).toBe(0o600);

    const openToAll = join(await scratchDataDir(), 'postgres.server'); // as a person or a looser umask may have made it
    await mkdir(openToAll);
    await chmod(openToAll, 0o755);
    await claimAdvert(openToAll, 1, server);
    expect(await mode(openToAll)).toBe(0o700);
  });

});
