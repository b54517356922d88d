import type { Knex } from 'knex';

/**
 * The IANA zone of the person who started the session, when their chat platform gives one (Slack does):
 * todo due dates like "by Friday" are read in it (docs/architecture.md#stored-results). Null when unknown;
 * DEFAULT_TIME_ZONE applies then.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.string('time_zone', 100).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('time_zone');
  });
}
