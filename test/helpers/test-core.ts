import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { createLogger } from '../../core/logger.js';
import { removeQueuesAndKeys } from './cleanup.js';
import { testConfig } from './config.js';
import { startS3, type TestS3 } from './s3-server.js';

export interface TestCore {
  core: Core;
  s3: TestS3;
  /** Removes the file's queues and keys, then closes the core and the S3 server (rows are the test's to delete). */
  close(): Promise<void>;
}

/** A core on the machine's services and an S3 server of its own, for tests of the services behind the roles. */
export async function startTestCore(env: Record<string, string> = {}): Promise<TestCore> {
  const s3 = await startS3();
  const core = await createCore(testConfig({ S3_ENDPOINT: s3.endpoint, ...env }), createLogger('silent'));
  return {
    core,
    s3,
    async close() {
      const redis = new Redis(core.config.redis.url);
      try {
        await removeQueuesAndKeys(core.config, redis);
      } finally {
        redis.disconnect();
        await core.close();
        await s3.close();
      }
    },
  };
}

/**
 * A core for the tests of one file: started before them and closed after them, the sessions its tests note in
 * `created` deleted first. `core` is there once the file's first beforeAll ran.
 */
export function useTestCore(env: Record<string, string> = {}): { readonly core: Core; readonly created: string[] } {
  let started: TestCore | undefined;
  const created: string[] = [];
  beforeAll(async () => {
    started = await startTestCore(env);
  });
  afterAll(async () => {
    if (!started) return;
    await started.core.knex('sessions').whereIn('id', created).delete();
    await started.close();
  });
  return {
    created,
    get core() {
      if (!started) throw new Error('the test core is started in beforeAll');
      return started.core;
    },
  };
}
