import type { Knex } from 'knex';

/**
 * Who is working on a session's job on a queue (processor/jobs/job-claim.ts). A job can be in a queue twice
 * (a publish repeated after a lost confirm, a job-table lease that ran out while its holder was merely
 * slow); the claim makes sure only one copy runs at a time. A holder renews `expires_at` while it works and
 * deletes the row when done; a holder that died leaves a row that any copy may take over once it expires.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_claims', (t) => {
    t.uuid('session_id').notNullable().references('sessions.id').onDelete('CASCADE');
    // The queue's own name (`transcribe`, `todos`), not its prefixed name: sessions are unique per database.
    t.string('queue', 50).notNullable();
    t.string('holder', 200).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.primary(['session_id', 'queue']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_claims');
}
