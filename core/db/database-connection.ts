import type { InfrastructureEngines } from '../config.js';
import type { Knex } from './knex.js';

/** The metadata database, on whichever engine the configuration names; the code above sees only knex. */
export interface Database {
  knex: Knex;
  engine: InfrastructureEngines['database'];
  close(): Promise<void>;
}
