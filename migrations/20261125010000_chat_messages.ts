import type { Knex } from 'knex';

/**
 * Where the bots posted a session's results, so a todo ticked anywhere can re-render those messages, and
 * a claim so that exactly one bot replica posts them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.jsonb('results_message_refs').notNullable().defaultTo('[]');
    t.timestamp('results_posted_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('results_message_refs');
    t.dropColumn('results_posted_at');
  });
}
