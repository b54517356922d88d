import type { Knex } from 'knex';

/**
 * Every change people make to a session's todos (tick, untick, edit, add, remove), with who and when: the
 * history behind todos.json, which holds the state these changes lead to (docs/architecture.md#todo-events).
 * A removed todo leaves todos.json; its last state stays here.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('todo_changes', (t) => {
    t.bigIncrements('id');
    t.uuid('session_id').notNullable().references('sessions.id').onDelete('CASCADE');
    t.string('todo_id', 20).notNullable();
    t.string('kind', 10).notNullable();
    // The todo before and after the change (null before an add, null after a remove).
    t.jsonb('before').nullable();
    t.jsonb('after').nullable();
    // Who changed it, as the surface names them; null for a holder of the page link.
    t.string('changed_by', 300).nullable();
    t.timestamp('changed_at', { useTz: true }).notNullable();
    t.index(['session_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('todo_changes');
}
