import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../core/config.js';

/**
 * A configuration for one test file: its own Redis key prefix and RabbitMQ queue names, the run's own
 * database, loopback-only everything, quick retries.
 */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(testEnv(env));
}

/** The environment behind testConfig(), for tests that start a real process with it. */
export function testEnv(env: Record<string, string> = {}): Record<string, string> {
  const tag = randomBytes(4).toString('hex');
  return {
    NODE_ENV: 'test',
    // Only a part left on its embedded engine writes here (none does by default): never into the checkout.
    DATA_DIR: path.join(os.tmpdir(), `wn-test-data-${tag}`),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `wn-test:${tag}:`,
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    AMQP_QUEUE_PREFIX: `wn-test-${tag}.`,
    S3_ACCESS_KEY: 'S3RVER',
    S3_SECRET_KEY: 'S3RVER',
    S3_BUCKET_VIDEOS: `video-files-${tag}`,
    S3_BUCKET_TRANSCRIPTS: `transcripts-${tag}`,
    FETCH_ALLOW_ADDRESSES: '127.0.0.1',
    JOB_RETRY_DELAYS_MS: '100,200,400',
    LINK_SECRET: 'test-link-secret-0123456789abcdef0123',
    // Named models are never fetched from the internet in a test: port 9 on loopback refuses at once.
    MODELS_DOWNLOAD_URL: 'http://127.0.0.1:9/',
    ...env,
  };
}
