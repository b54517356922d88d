import type { Knex } from 'knex';

/**
 * `sessions` keeps its original columns (id to todos_path) one for one, with what the product needs beside them.
 * Timestamps are `timestamptz` rather than the original schema's `timestamp`: sessions are created by processes in
 * different time zones and compared across them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary();
    t.string('platform', 20).notNullable();
    t.string('workspace_id', 100).notNullable().defaultTo('');
    t.string('external_id', 100).notNullable();
    t.string('display_name', 255);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['platform', 'workspace_id', 'external_id']);
  });

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id');
    t.string('filename', 255);
    t.string('status', 50).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('video_path', 500);
    t.string('transcript_path', 500);
    t.string('todos_path', 500);
    t.string('summary_path', 500);
    t.string('platform', 20).notNullable();
    t.string('workspace_id', 100);
    t.string('channel_id', 100);
    t.string('thread_ref', 200);
    t.string('status_message_ref', 200);
    t.string('source_kind', 10).notNullable();
    t.bigInteger('size_bytes');
    t.string('content_type', 100);
    t.double('duration_seconds');
    t.string('language', 16);
    t.string('stage', 20).notNullable();
    t.smallint('percent').notNullable().defaultTo(0);
    t.jsonb('options').notNullable();
    t.string('error_code', 50);
    t.text('error_message');
    t.integer('attempts').notNullable().defaultTo(0);
    t.index(['user_id', 'created_at']);
    t.index(['status', 'updated_at']);
  });
  await knex.raw(
    `ALTER TABLE sessions ADD CONSTRAINT sessions_status_check
       CHECK (status IN ('UPLOADING','PROCESSING','COMPLETED','FAILED','CANCELLED'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('users');
}
