import type { Knex } from 'knex';

/**
 * The embedded progress engine (no Redis): each session's latest progress event, and the event log that
 * stands in for the `progress-events` and `todo-events` streams, with each consumer group's position and
 * the entries it has taken but not yet acknowledged.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('progress_latest', (t) => {
    t.uuid('session_id').primary();
    t.integer('seq').notNullable();
    /** Whether `event` is COMPLETED, FAILED or CANCELLED: such a state is not overwritten by progress. */
    t.boolean('final').notNullable();
    /** The event's JSON, as the Redis engine stores it. */
    t.text('event').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('event_log', (t) => {
    t.bigIncrements('id');
    t.string('stream', 200).notNullable();
    t.uuid('session_id').notNullable();
    t.text('payload').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['stream', 'id']);
  });

  await knex.schema.createTable('event_log_groups', (t) => {
    t.string('stream', 200).notNullable();
    t.string('group_name', 200).notNullable();
    /** The last entry handed out to the group. */
    t.bigInteger('last_id').notNullable();
    t.primary(['stream', 'group_name']);
  });

  await knex.schema.createTable('event_log_pending', (t) => {
    // Trimming the log drops entries nobody acknowledged, as a capped Redis stream does.
    t.bigInteger('event_id').notNullable().references('event_log.id').onDelete('CASCADE');
    t.string('group_name', 200).notNullable();
    t.string('consumer', 200).notNullable();
    t.timestamp('claimed_at', { useTz: true }).notNullable();
    t.primary(['event_id', 'group_name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('event_log_pending');
  await knex.schema.dropTable('event_log_groups');
  await knex.schema.dropTable('event_log');
  await knex.schema.dropTable('progress_latest');
}
