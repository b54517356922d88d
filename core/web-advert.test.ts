import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, type MediaDir } from '../test/helpers/media.js';
import { loadConfig, type Config } from './config.js';
import { advertiseWeb, runningWebServer, withWebAdvert } from './web-advert.js';

let dir: MediaDir | undefined;
afterEach(async () => dir?.cleanup());

async function configIn(env: Record<string, string> = {}): Promise<Config> {
  dir = await tempDir('wn-web-advert-');
  return loadConfig({ DATA_DIR: dir.dir, ...env });
}

describe("the status-page server's advert", () => {
  it('tells a process on the same DATA_DIR where pages are reached and which addresses links may reach, until withdrawn', async () => {
    const server = await configIn({ PUBLIC_BASE_URL: 'http://notes.example:3000', FETCH_ALLOW_ADDRESSES: '127.0.0.1' });
    const withdraw = await advertiseWeb(server);
    expect(await runningWebServer(server.dataDir)).toEqual({ pid: process.pid, publicBaseUrl: 'http://notes.example:3000', fetchAllowAddresses: ['127.0.0.1'] });
    await withdraw();
    expect(await runningWebServer(server.dataDir)).toBeNull();
  });

  it('is ignored once its process has gone, and when it is not an advert', async () => {
    const config = await configIn();
    const file = path.join(config.dataDir, 'web-server.json');
    const gone = spawnSync(process.execPath, ['-e', '']).pid; // a process that has ended
    await writeFile(file, JSON.stringify({ pid: gone, publicBaseUrl: 'http://old.example', fetchAllowAddresses: [] }));
    expect(await runningWebServer(config.dataDir)).toBeNull();
    await writeFile(file, '{"pid":');
    expect(await runningWebServer(config.dataDir)).toBeNull();
  });

  it("gives the CLI the server's settings, and says which of its own differed", async () => {
    const cli = await configIn();
    const { config, warnings } = withWebAdvert(cli, { pid: 1, publicBaseUrl: 'http://localhost:3000', fetchAllowAddresses: ['127.0.0.1'] });
    expect(config.web.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.ingest.allowAddresses).toEqual(['127.0.0.1']);
    expect(warnings).toEqual([
      'PUBLIC_BASE_URL here is http://localhost:8080, but the running server uses http://localhost:3000: links use the server\'s.',
      "FETCH_ALLOW_ADDRESSES here differs from the running server's (127.0.0.1): links are fetched as the server would.",
    ]);
    expect(withWebAdvert(cli, { pid: 1, publicBaseUrl: cli.web.publicBaseUrl, fetchAllowAddresses: [] }).warnings).toEqual([]);
  });
});
