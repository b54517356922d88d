import type { Knex } from 'knex';
import * as initial from './20261125000000_initial.js';
import * as chatMessages from './20261125010000_chat_messages.js';
import * as jobTable from './20261126000000_job_table.js';
import * as progressTables from './20261126010000_progress_tables.js';
import * as chatEventDedupe from './20261126020000_chat_event_dedupe.js';
import * as jobClaims from './20261126030000_job_claims.js';
import * as sessionUploader from './20261127000000_session_uploader.js';
import * as sessionTimeZone from './20261204000000_session_time_zone.js';
import * as speakerNames from './20261205000000_speaker_names.js';
import * as todoChanges from './20261206000000_todo_changes.js';
import * as notesVersions from './20261206010000_notes_versions.js';
import * as speakerMembers from './20261206020000_speaker_members.js';
import * as searchSegments from './20261207000000_search_segments.js';
import * as questions from './20261207010000_questions.js';
import * as sessionTitles from './20261207020000_session_titles.js';
import * as sessionsCreatedAt from './20261207030000_sessions_created_at.js';

/**
 * Every migration, in order. Listed in code rather than discovered on disk so the same list loads under
 * tsx, vitest and the compiled build alike. Names are stable: they are recorded in knex_migrations.
 */
export const migrations: Array<[name: string, migration: Knex.Migration]> = [
  ['20261125000000_initial', initial],
  ['20261125010000_chat_messages', chatMessages],
  ['20261126000000_job_table', jobTable],
  ['20261126010000_progress_tables', progressTables],
  ['20261126020000_chat_event_dedupe', chatEventDedupe],
  ['20261126030000_job_claims', jobClaims],
  ['20261127000000_session_uploader', sessionUploader],
  ['20261204000000_session_time_zone', sessionTimeZone],
  ['20261205000000_speaker_names', speakerNames],
  ['20261206000000_todo_changes', todoChanges],
  ['20261206010000_notes_versions', notesVersions],
  ['20261206020000_speaker_members', speakerMembers],
  ['20261207000000_search_segments', searchSegments],
  ['20261207010000_questions', questions],
  ['20261207020000_session_titles', sessionTitles],
  ['20261207030000_sessions_created_at', sessionsCreatedAt],
];
