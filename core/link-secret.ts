import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type Config } from './config.js';
import { ensureDataDir } from './data-dir.js';

const MIN_LENGTH = 32;

/**
 * A single-box install needs no LINK_SECRET: one is made once and kept in DATA_DIR/link-secret (mode 0600),
 * so status-page links survive restarts and the CLI, run beside `npm start`, signs the same links. Only for
 * processes sharing DATA_DIR — separate web and bot processes must be given the same LINK_SECRET.
 */
export async function withLinkSecret(config: Config): Promise<Config> {
  if (config.web.linkSecret) return config;
  const file = path.join(config.dataDir, 'link-secret');
  await ensureDataDir(config.dataDir);
  // Written whole under a name of its own, then linked into place: a process starting at the same moment
  // sees no file or a complete one, never an empty file still being written.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(draft, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  try {
    await link(draft, file);
  } catch (err) {
    // Another process (or an earlier start) made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(draft, { force: true });
  }
  const linkSecret = (await readFile(file, 'utf8')).trim();
  if (linkSecret.length < MIN_LENGTH) {
    throw new ConfigError(`Invalid ${file}: the link secret must be at least ${MIN_LENGTH} characters (delete the file to make a new one, or set LINK_SECRET)`);
  }
  return { ...config, web: { ...config.web, linkSecret } };
}
