import type { Knex } from 'knex';

/**
 * Which process is storing a session's recording (core/sessions/uploader.ts): `host/pid/instance`. A process
 * that starts finds the uploads whose uploader is gone (it crashed mid-upload) and fails them at once,
 * instead of holding the person's slot until the upload timeout. Null for sessions from before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.string('uploader', 300).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('uploader');
  });
}
