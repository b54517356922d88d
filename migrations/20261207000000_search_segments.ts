import type { Knex } from 'knex';

/**
 * The full-text index of meetings (docs/architecture.md#search): a row per transcript segment, part of the
 * summary and todo, its `tsv` made from the text with the configuration of the meeting's language (english,
 * german, …, simple), a GIN index over it. Rows are replaced whenever the processor stores a meeting's notes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE search_segments (
      session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      kind varchar(16) NOT NULL CHECK (kind IN ('transcript', 'summary', 'todo')),
      position integer NOT NULL,
      segment_id integer,
      start_seconds double precision,
      speaker varchar(40),
      text text NOT NULL,
      config regconfig NOT NULL,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector(config, text)) STORED,
      PRIMARY KEY (session_id, kind, position)
    )`);
  await knex.raw('CREATE INDEX search_segments_tsv ON search_segments USING gin (tsv)');
  // The configuration a meeting's lines were indexed with: a search reads the query only in those of its scope.
  await knex.raw('ALTER TABLE sessions ADD COLUMN search_config regconfig');
  // Chat searches one channel's meetings.
  await knex.raw('CREATE INDEX sessions_channel ON sessions (platform, workspace_id, channel_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX sessions_channel');
  await knex.raw('ALTER TABLE sessions DROP COLUMN search_config');
  await knex.schema.dropTable('search_segments');
}
