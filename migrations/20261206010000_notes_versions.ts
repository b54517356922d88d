import type { Knex } from 'knex';

/**
 * Notes that can be redone (docs/architecture.md#regenerating-the-notes): `sessions.notes_version` is the
 * version todos.json and summary.json hold now (1 for the first notes), and `notes_versions` says how each
 * later version was asked for. Earlier versions' documents are kept under `transcripts/{id}/v{n}/`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.integer('notes_version').notNullable().defaultTo(1);
  });
  await knex.schema.createTable('notes_versions', (t) => {
    t.uuid('session_id').notNullable().references('sessions.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    // The person's instruction ("in German") and model, when they gave one.
    t.string('instruction', 500).nullable();
    t.string('model', 200).nullable();
    // Who asked for it, as the surface names them; null for a holder of the page link.
    t.string('requested_by', 300).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['session_id', 'version']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notes_versions');
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('notes_version');
  });
}
