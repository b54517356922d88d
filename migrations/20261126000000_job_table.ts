import type { Knex } from 'knex';

/**
 * The job queue as a table, for a single box without RabbitMQ (core/queue/pg.job-queue.ts). A row lives
 * from publish to ack (then it is deleted); dead rows stay for an operator.
 *
 *   ready    waiting; claimable once `run_at` has passed (a delayed retry sets it in the future)
 *   running  claimed by `lease_owner` until `lease_expires_at`, renewed while the handler runs; a lease
 *            that runs out (its processor died) makes the row claimable again and counts in `lost_leases`
 *   dead     failed for good: `dead_reason`, `error_code`, `error_detail` say why
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('queue_jobs', (t) => {
    t.bigIncrements('id').primary();
    // The queue's name under AMQP_QUEUE_PREFIX, as on RabbitMQ, so prefixed deployments and test runs stay apart.
    t.string('queue', 200).notNullable();
    t.jsonb('payload').notNullable();
    t.string('status', 10).notNullable().defaultTo('ready');
    t.integer('attempt').notNullable().defaultTo(1);
    t.timestamp('run_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('lease_owner', 200);
    t.timestamp('lease_expires_at', { useTz: true });
    t.integer('lost_leases').notNullable().defaultTo(0);
    t.string('dead_reason', 30);
    t.string('error_code', 50);
    t.text('error_detail');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE queue_jobs ADD CONSTRAINT queue_jobs_status_check CHECK (status IN ('ready','running','dead'))`);
  // What a claim looks for: due ready rows in order, and running rows whose lease has run out.
  await knex.raw(`CREATE INDEX queue_jobs_ready_idx ON queue_jobs (queue, run_at, id) WHERE status = 'ready'`);
  await knex.raw(`CREATE INDEX queue_jobs_leased_idx ON queue_jobs (queue, lease_expires_at) WHERE status = 'running'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('queue_jobs');
}
