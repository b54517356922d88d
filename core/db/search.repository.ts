import type { Knex } from 'knex';
import { type SearchEntry, type SearchKind, type SearchScope } from '../domain/search.js';

interface SearchSegmentRow {
  session_id: string;
  kind: SearchKind;
  position: number;
  segment_id: number | null;
  start_seconds: number | null;
  speaker: string | null;
  text: string;
  config: string;
}

/** A matching line, best first: the entry as indexed, its meeting and how well it matched. */
export interface SearchMatch extends Omit<SearchEntry, 'position'> {
  sessionId: string;
  rank: number;
}

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters. */
const INSERT_BATCH = 1000;

/**
 * Matching lines one search ranks at most: the newest meetings' first. Ranking every line of a word said in
 * every meeting would read the whole table; this bounds the work (docs/architecture.md#search).
 */
const SEARCH_CANDIDATES = 5000;

/**
 * The full-text index of meetings (table search_segments, docs/architecture.md#search). The same SQL runs on
 * PostgreSQL and PGlite.
 */
export class SearchRepository {
  /** `candidates`: matching lines ranked per search (SEARCH_CANDIDATES; tests make it small). */
  constructor(
    private readonly knex: Knex,
    private readonly candidates = SEARCH_CANDIDATES,
  ) {}

  /**
   * Makes `entries` the session's indexed lines, read with the text search configuration `config`, which is
   * recorded on the session (`sessions.search_config`) in the same transaction.
   */
  async replace(sessionId: string, config: string, entries: readonly SearchEntry[]): Promise<void> {
    const rows = entries.map(
      (e): SearchSegmentRow => ({
        session_id: sessionId,
        kind: e.kind,
        position: e.position,
        segment_id: e.segmentId,
        start_seconds: e.startSeconds,
        speaker: e.speaker,
        text: e.text,
        config,
      }),
    );
    await this.knex.transaction(async (trx) => {
      await trx('search_segments').where({ session_id: sessionId }).delete();
      for (let i = 0; i < rows.length; i += INSERT_BATCH) await trx('search_segments').insert(rows.slice(i, i + INSERT_BATCH));
      await trx('sessions').where({ id: sessionId }).update({ search_config: config });
    });
  }

  /**
   * The `limit` lines of meetings in `scope` that best match `words` (websearch syntax: quotes, `-`, `or`;
   * anything else is taken as words), ranked with ts_rank_cd. Each line is matched with the query as its own
   * meeting's configuration reads it: the query is first read in each configuration the scope's meetings use
   * (one, mostly), and those readings go into the search as constants, so the planner can use the GIN index.
   * Only the `candidates` matching lines of the newest meetings are ranked: for a rare word that is all of
   * them (the GIN index finds them), for a common one the planner walks the meetings newest first and stops.
   */
  async search(words: string, scope: SearchScope, limit: number): Promise<SearchMatch[]> {
    const { knex } = this;
    if (scope.kind === 'sessions' && scope.ids.length === 0) return [];
    const inScope = <T extends Knex.QueryBuilder>(query: T): T => {
      if (scope.kind === 'channel') query.where({ 's.platform': scope.platform, 's.workspace_id': scope.workspaceId, 's.channel_id': scope.channelId });
      if (scope.kind === 'sessions') query.whereIn('s.id', scope.ids);
      return query;
    };
    const readings = (
      await inScope(
        knex({ s: 'sessions' })
          .distinct<Array<{ config: string; query: string }>>(knex.raw('s.search_config::text as config'), knex.raw('websearch_to_tsquery(s.search_config, ?)::text as query', [words]))
          .whereNotNull('s.search_config'),
      )
    ).filter((r) => r.query !== ''); // only stop words or symbols in that language: it matches nothing
    if (readings.length === 0) return [];
    const matches = readings.map(() => '(g.config = ?::regconfig and g.tsv @@ ?::tsquery)').join(' or ');
    const reading = `case ${readings.map(() => 'when c.config = ?::regconfig then ?::tsquery').join(' ')} end`;
    const bindings = readings.flatMap((r) => [r.config, r.query]);
    const candidates = inScope(
      knex({ g: 'search_segments' })
        .join({ s: 'sessions' }, 's.id', 'g.session_id')
        .whereRaw(`(${matches})`, bindings)
        .select('g.session_id', 'g.kind', 'g.position', 'g.segment_id', 'g.start_seconds', 'g.speaker', 'g.text', 'g.config', 'g.tsv', 's.created_at')
        .orderBy([{ column: 's.created_at', order: 'desc' }, { column: 'g.session_id' }, { column: 'g.kind' }, { column: 'g.position' }])
        .limit(this.candidates),
    );
    const rows = await knex
      .from(candidates.as('c'))
      .select<Array<SearchSegmentRow & { rank: number }>>(
        'c.session_id',
        'c.kind',
        'c.segment_id',
        'c.start_seconds',
        'c.speaker',
        'c.text',
        knex.raw(`ts_rank_cd(c.tsv, ${reading}) as rank`, bindings),
      )
      .orderBy([
        { column: 'rank', order: 'desc' },
        { column: 'c.created_at', order: 'desc' },
        { column: 'c.kind' },
        { column: 'c.position' },
      ])
      .limit(limit);
    return rows.map((r) => ({
      sessionId: r.session_id,
      kind: r.kind,
      segmentId: r.segment_id,
      startSeconds: r.start_seconds,
      speaker: r.speaker,
      text: r.text,
      rank: Number(r.rank),
    }));
  }
}
