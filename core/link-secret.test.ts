import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { withLinkSecret } from './link-secret.js';
import { tempDir } from '../test/helpers/media.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => cleanup?.());

async function dataDir(): Promise<string> {
  const dir = await tempDir('wn-secret-');
  cleanup = dir.cleanup;
  return path.join(dir.dir, 'data');
}

describe('withLinkSecret', () => {
  it('keeps a LINK_SECRET that is set and writes nothing', async () => {
    const DATA_DIR = await dataDir();
    const config = loadConfig({ DATA_DIR, LINK_SECRET: 'x'.repeat(40) });
    expect((await withLinkSecret(config)).web.linkSecret).toBe('x'.repeat(40));
    await expect(stat(path.join(DATA_DIR, 'link-secret'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('makes one secret under DATA_DIR, private to the owner, and every later process uses it', async () => {
    const DATA_DIR = await dataDir();
    const config = loadConfig({ DATA_DIR });
    // Processes starting together each see no file or a whole one, never one still being written.
    const [a, ...others] = await Promise.all(Array.from({ length: 20 }, () => withLinkSecret(config)));
    expect(a!.web.linkSecret!.length).toBeGreaterThanOrEqual(32);
    for (const b of others) expect(b.web.linkSecret).toBe(a!.web.linkSecret);
    expect((await withLinkSecret(loadConfig({ DATA_DIR }))).web.linkSecret).toBe(a!.web.linkSecret);
    const file = path.join(DATA_DIR, 'link-secret');
    expect((await readFile(file, 'utf8')).trim()).toBe(a!.web.linkSecret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(DATA_DIR)).toEqual(['link-secret']);
    expect((await stat(DATA_DIR)).mode & 0o777).toBe(0o700);
  });

  it('refuses a kept secret that is too short, naming the file', async () => {
    const DATA_DIR = await dataDir();
    await withLinkSecret(loadConfig({ DATA_DIR }));
    await writeFile(path.join(DATA_DIR, 'link-secret'), 'short');
    await expect(withLinkSecret(loadConfig({ DATA_DIR }))).rejects.toThrow(ConfigError);
    await expect(withLinkSecret(loadConfig({ DATA_DIR }))).rejects.toThrow('link-secret');
  });
});
