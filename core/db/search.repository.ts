import type { Knex } from 'knex';
import { SEARCH_CONFIGS, type SearchEntry, type SearchKind, type SearchScope } from '../domain/search.js';

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
 * The full-text index of meetings (table search_segments, docs/architecture.md#search). The same SQL runs on
 * PostgreSQL and PGlite.
 */
export class SearchRepository {
  constructor(private readonly knex: Knex) {}

  /** Makes `entries` the session's indexed lines, read with the text search configuration `config`. */
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
    });
  }

  /**
   * The `limit` lines of meetings in `scope` that best match `words` (websearch syntax: quotes, `-`, `or`;
   * anything else is taken as words), ranked with ts_rank_cd. Each line is matched with its own meeting's
   * configuration; the index is searched with the query as every configuration reads it, so it serves all.
   */
  async search(words: string, scope: SearchScope, limit: number): Promise<SearchMatch[]> {
    const { knex } = this;
    if (scope.kind === 'sessions' && scope.ids.length === 0) return [];
    const anyReading = SEARCH_CONFIGS.map(() => 'websearch_to_tsquery(?::regconfig, ?)').join(' || ');
    const query = knex
      .with('q', knex.raw('select cfg, websearch_to_tsquery(cfg, ?) as query from unnest(?::regconfig[]) as c(cfg)', [words, [...SEARCH_CONFIGS]]))
      .from({ g: 'search_segments' })
      .join({ q: 'q' }, 'q.cfg', 'g.config')
      .join({ s: 'sessions' }, 's.id', 'g.session_id')
      .whereRaw(`g.tsv @@ (${anyReading})`, SEARCH_CONFIGS.flatMap((config) => [config, words]))
      .whereRaw('g.tsv @@ q.query')
      .select<Array<SearchSegmentRow & { rank: number }>>(
        'g.session_id',
        'g.kind',
        'g.segment_id',
        'g.start_seconds',
        'g.speaker',
        'g.text',
        knex.raw('ts_rank_cd(g.tsv, q.query) as rank'),
      )
      .orderBy([
        { column: 'rank', order: 'desc' },
        { column: 's.created_at', order: 'desc' },
        { column: 'g.kind' },
        { column: 'g.position' },
      ])
      .limit(limit);
    if (scope.kind === 'channel') query.where({ 's.platform': scope.platform, 's.workspace_id': scope.workspaceId, 's.channel_id': scope.channelId });
    if (scope.kind === 'sessions') query.whereIn('g.session_id', scope.ids);
    const rows = await query;
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
