import type { Knex } from 'knex';

/**
 * Questions asked about a meeting and the answers given (docs/architecture.md#questions), shown on its page
 * and purged with the session.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('questions', (t) => {
    t.uuid('id').primary();
    t.uuid('session_id').notNullable().references('sessions.id').onDelete('CASCADE');
    t.string('question', 500).notNullable();
    t.text('answer').notNullable();
    // [{ segment, start }]: the transcript lines the answer cites, each checked to exist.
    t.jsonb('citations').notNullable().defaultTo('[]');
    // Who asked, as the surface names them; null for a holder of the page link.
    t.string('asked_by', 300).nullable();
    t.timestamp('asked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['session_id', 'asked_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('questions');
}
