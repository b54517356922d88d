import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from './config.js';
import { ensureDataDir } from './data-dir.js';
import { processExists } from './db/server-advert.js';
import { parseJsonAs } from './json.js';

/**
 * What the status-page server of a data directory tells the other processes on it (the CLI, run beside
 * `npm start`): the address its pages are reached at and the link addresses it lets through, so the CLI
 * prints links that open on that server and fetches what that server would fetch. Kept in
 * `DATA_DIR/web-server.json` while the server runs.
 */
const webAdvertSchema = z.object({ pid: z.number().int(), publicBaseUrl: z.string(), fetchAllowAddresses: z.array(z.string()) });
export type WebAdvert = z.infer<typeof webAdvertSchema>;

const FILE = 'web-server.json';

/** Writes this process's advert; returns how to withdraw it (at shutdown). */
export async function advertiseWeb(config: Config): Promise<() => Promise<void>> {
  const file = path.join(config.dataDir, FILE);
  const advert: WebAdvert = { pid: process.pid, publicBaseUrl: config.web.publicBaseUrl, fetchAllowAddresses: config.ingest.allowAddresses };
  await ensureDataDir(config.dataDir);
  // Written beside and renamed into place: a reader never sees half a file.
  const draft = `${file}.${randomBytes(6).toString('hex')}.draft`;
  await writeFile(draft, JSON.stringify(advert), { mode: 0o600 });
  await rename(draft, file);
  return async () => {
    // Another server may have started since and advertised itself: leave its advert alone.
    if ((await readAdvert(file))?.pid === process.pid) await unlink(file).catch(() => undefined);
  };
}

/** The advert of the server running on `dataDir`; null when none runs (or its process has gone). */
export async function runningWebServer(dataDir: string): Promise<WebAdvert | null> {
  const advert = await readAdvert(path.join(dataDir, FILE));
  return advert && processExists(advert.pid) ? advert : null;
}

/**
 * `config` with the running server's public address and allowed addresses. Each setting of this process
 * that differs is named in a sentence (for stderr), so a person sees which one is used.
 */
export function withWebAdvert(config: Config, advert: WebAdvert): { config: Config; warnings: string[] } {
  const warnings: string[] = [];
  if (config.web.publicBaseUrl !== advert.publicBaseUrl) {
    warnings.push(`PUBLIC_BASE_URL here is ${config.web.publicBaseUrl}, but the running server uses ${advert.publicBaseUrl}: links use the server's.`);
  }
  if (config.ingest.allowAddresses.join(',') !== advert.fetchAllowAddresses.join(',')) {
    warnings.push(`FETCH_ALLOW_ADDRESSES here differs from the running server's (${advert.fetchAllowAddresses.join(',') || 'none'}): links are fetched as the server would.`);
  }
  return {
    config: {
      ...config,
      web: { ...config.web, publicBaseUrl: advert.publicBaseUrl },
      ingest: { ...config.ingest, allowAddresses: advert.fetchAllowAddresses },
    },
    warnings,
  };
}

async function readAdvert(file: string): Promise<WebAdvert | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // Not an advert: nothing to follow.
  return parseJsonAs(webAdvertSchema, text);
}
