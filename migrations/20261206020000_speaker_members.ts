import type { Knex } from 'knex';

/**
 * Speakers linked to chat members (docs/architecture.md#database-tables): a speaker named by picking a
 * member keeps the member's id, so chat mentions them and their name follows their profile; and
 * `member_names` remembers, per workspace and channel, which member a name heard in a meeting was linked
 * to, so the next meeting there can suggest it (a person still has to choose it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('speaker_names', (t) => {
    // The chat user id (Slack `U…`, a Discord snowflake) on the session's own platform; null for a typed name.
    t.string('member_id', 40).nullable();
  });
  await knex.schema.createTable('member_names', (t) => {
    t.string('platform', 20).notNullable();
    t.string('workspace_id', 100).notNullable();
    t.string('channel_id', 100).notNullable();
    t.string('name', 200).notNullable();
    t.string('member_id', 40).notNullable();
    t.timestamp('used_at', { useTz: true }).notNullable();
  });
  // One member per name (as typed, any case) in a channel: the latest link wins.
  await knex.raw('CREATE UNIQUE INDEX member_names_name ON member_names (platform, workspace_id, channel_id, lower(name))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('member_names');
  await knex.schema.alterTable('speaker_names', (t) => {
    t.dropColumn('member_id');
  });
}
