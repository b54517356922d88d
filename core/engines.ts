import path from 'node:path';
import { ENGINE_SWITCHES, type Config, type Engines } from './config.js';

export interface EngineChoice {
  part: keyof Engines;
  engine: Engines[keyof Engines];
  /** Where its data is: a directory for an embedded engine, the server's host for a distributed one. */
  where: string;
  /** How to switch it: the variable, and what setting it does. */
  switch: string;
}

const EMBEDDED: Record<keyof Engines, Engines[keyof Engines]> = { database: 'pglite', objects: 'local', queue: 'table', progress: 'memory' };

/** Only the host: a URL's credentials never reach the log. */
const hostOf = (url: string) => new URL(url).host;

/** What each part runs on, for the start-up log (issue 8: "which engine it uses and which variable switches it"). */
export function engineChoices(config: Config): EngineChoice[] {
  const { engines, dataDir } = config;
  const embedded = (part: keyof Engines) => engines[part] === EMBEDDED[part];
  const choice = (part: keyof Engines, where: string, real: string): EngineChoice => ({
    part,
    engine: engines[part],
    where,
    switch: embedded(part) ? `set ${ENGINE_SWITCHES[part]} to use ${real}` : `unset ${ENGINE_SWITCHES[part]} for the embedded engine`,
  });
  return [
    choice('database', embedded('database') ? path.resolve(dataDir, 'postgres') : hostOf(config.databaseUrl), 'PostgreSQL'),
    choice('objects', embedded('objects') ? path.resolve(dataDir, 'objects') : hostOf(config.s3.endpoint), 'S3 / MinIO'),
    choice('queue', embedded('queue') ? 'a job table in the database' : hostOf(config.amqp.url), 'RabbitMQ'),
    choice('progress', embedded('progress') ? 'in this process, latest state in the database' : hostOf(config.redis.url), 'Redis'),
  ];
}
