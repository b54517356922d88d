import type { Knex } from 'knex';

/**
 * All meetings newest first (docs/architecture.md#search): a search over every meeting (the CLI's) walks them
 * in this order to rank only the newest lines that say a common word, as a channel's search walks
 * (`platform`, `workspace_id`, `channel_id`, `created_at`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => t.index(['created_at']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => t.dropIndex(['created_at']));
}
