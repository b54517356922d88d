import { mkdir } from 'node:fs/promises';

/**
 * DATA_DIR holds the database, the recordings and the link secret: made for its owner alone (0700), so other
 * local users can reach none of it whatever their umask. An existing directory is left as its owner set it.
 */
export async function ensureDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
}
