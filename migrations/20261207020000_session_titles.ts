import type { Knex } from 'knex';

/**
 * A meeting's title as a person set it (docs/architecture.md#tables): null shows the one the notes proposed
 * (summary.json `title`), else the recording's name. Cleaned like a file name, at most 150 characters.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.string('title', 150).nullable();
    // A channel's recent meetings (`/whisper list`).
    t.index(['platform', 'workspace_id', 'channel_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropIndex(['platform', 'workspace_id', 'channel_id', 'created_at']);
    t.dropColumn('title');
  });
}
