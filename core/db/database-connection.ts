import type { Engines } from '../config.js';
import type { Knex } from './knex.js';

/** The metadata database, on whichever engine the configuration names; the code above sees only knex. */
export interface Database {
  knex: Knex;
  engine: Engines['database'];
  close(): Promise<void>;
}
