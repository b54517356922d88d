import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const exec = promisify(execFile);

/** Runs `args` under Node with tsx, as `npm run` would; resolves with stderr whatever the exit code. */
async function stderrOf(args: string[], env: Record<string, string> = {}): Promise<string> {
  const options = { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 60_000 };
  try {
    return (await exec(process.execPath, ['--import', 'tsx', ...args], options)).stderr;
  } catch (err) {
    return (err as { stderr: string }).stderr;
  }
}

// The SDK warns only under Node < 22 (this project supports Node 20), when a process makes its S3 client.
describe('quiet-warnings', () => {
  it('keeps the AWS SDK Node-version notice off a CLI run that uses S3', async () => {
    // `status` builds the core (so the S3 client); `help` would answer before connecting anything.
    const stderr = await stderrOf(['cli/main.ts', 'status', '00000000-0000-4000-8000-000000000000'], {
      NODE_ENV: 'test',
      DATA_DIR: path.join(os.tmpdir(), `wn-quiet-${process.pid}`),
      // Nothing listens on port 9: the client is made (the SDK would warn) and the run ends at once.
      S3_ENDPOINT: 'http://127.0.0.1:9',
      S3_ACCESS_KEY: 'key',
      S3_SECRET_KEY: 'secret',
    });
    expect(stderr).toMatch(/storage/i);
    expect(stderr).not.toContain('NodeVersionSupportWarning');
  }, 90_000);

  it('lets every other warning print', async () => {
    const script = [
      "await import('./core/quiet-warnings.ts');",
      "const { S3Client } = await import('@aws-sdk/client-s3');",
      "new S3Client({ region: 'us-east-1' });",
      "process.emitWarning('something else worth knowing', { code: 'WN_TEST' });",
    ].join('\n');
    const stderr = await stderrOf(['--input-type=module', '-e', script]);
    expect(stderr).toContain('something else worth knowing');
    expect(stderr).not.toContain('NodeVersionSupportWarning');
  }, 90_000);
});
