import type { Knex } from 'knex';

/**
 * Chat deliveries already acted on: Slack retries an event (and a captured signed request can be replayed
 * within its 5-minute window), and every Discord gateway session of a bot token receives each message, so
 * each bot replica would see a dropped file. A delivery's key is claimed once here, whichever process
 * gets it; old claims are swept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('chat_event_claims', (t) => {
    t.string('key', 200).primary();
    t.timestamp('claimed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['claimed_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('chat_event_claims');
}
