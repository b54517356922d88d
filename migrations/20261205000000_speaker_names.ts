import type { Knex } from 'knex';

/**
 * The names people give a session's speakers (`SPEAKER_01` → `Maria`), on the status page, in the CLI or in
 * chat. The stored transcript keeps its labels; names are applied when rendering and exporting
 * (docs/architecture.md#stored-results). One name per label and session; a cleared name deletes its row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('speaker_names', (t) => {
    t.uuid('session_id').notNullable().references('sessions.id').onDelete('CASCADE');
    t.string('label', 40).notNullable();
    t.string('name', 200).notNullable();
    // Who named the speaker, as the surface names them; null for a holder of the page link.
    t.string('named_by', 300).nullable();
    t.timestamp('named_at', { useTz: true }).notNullable();
    t.primary(['session_id', 'label']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('speaker_names');
}
