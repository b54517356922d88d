import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { engineChoices } from './engines.js';

describe('engineChoices', () => {
  it('names each embedded engine, where it keeps its data and the variable that switches it', () => {
    const choices = engineChoices(loadConfig({ DATA_DIR: '/srv/wn' }));
    expect(choices).toEqual([
      { part: 'database', engine: 'pglite', where: path.resolve('/srv/wn/postgres'), switch: 'set DATABASE_URL to use PostgreSQL' },
      { part: 'objects', engine: 'local', where: path.resolve('/srv/wn/objects'), switch: 'set S3_ENDPOINT to use S3 / MinIO' },
      { part: 'queue', engine: 'table', where: 'a job table in the database', switch: 'set AMQP_URL to use RabbitMQ' },
      { part: 'progress', engine: 'memory', where: 'in this process, latest state in the database', switch: 'set REDIS_URL to use Redis' },
    ]);
  });

  it('names the distributed engines by host only, never with the credentials in their URLs', () => {
    const choices = engineChoices(
      loadConfig({
        DATABASE_URL: 'postgres://app:pg-secret@db.internal:5432/wn',
        AMQP_URL: 'amqp://app:mq-secret@mq.internal:5672',
        S3_ENDPOINT: 'http://minio.internal:9000',
        REDIS_URL: 'redis://:redis-secret@cache.internal:6379',
      }),
    );
    expect(choices.map((c) => [c.part, c.engine, c.where])).toEqual([
      ['database', 'postgres', 'db.internal:5432'],
      ['objects', 's3', 'minio.internal:9000'],
      ['queue', 'rabbitmq', 'mq.internal:5672'],
      ['progress', 'redis', 'cache.internal:6379'],
    ]);
    expect(choices.every((c) => c.switch.startsWith('unset '))).toBe(true);
    expect(JSON.stringify(choices)).not.toMatch(/secret/);
  });
});
