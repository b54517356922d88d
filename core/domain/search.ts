import { AppError } from '../errors.js';
import type { Session } from './session.js';
import type { SummaryDocument, TodosDocument } from './todos.js';
import type { StoredTranscript } from './transcript.js';

/**
 * Full-text search over meetings (docs/architecture.md#search): what is indexed of a meeting, the text
 * search configuration its language is read with, and which queries are taken.
 */

/** Longest query taken: a question, not a document. */
export const MAX_QUERY_LENGTH = 200;
/** Hits one search answers with at most. */
export const MAX_SEARCH_HITS = 50;

export const SEARCH_KINDS = ['transcript', 'summary', 'todo'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/**
 * ISO 639-1 code → the PostgreSQL text search configuration that stems it. Only configurations that both
 * PostgreSQL (15 and later) and PGlite ship; any other language is read word for word ('simple').
 */
const CONFIGS: Readonly<Record<string, string>> = {
  ar: 'arabic', hy: 'armenian', eu: 'basque', ca: 'catalan', da: 'danish', nl: 'dutch', en: 'english', fi: 'finnish',
  fr: 'french', de: 'german', el: 'greek', hi: 'hindi', hu: 'hungarian', id: 'indonesian', it: 'italian',
  lt: 'lithuanian', ne: 'nepali', no: 'norwegian', nn: 'norwegian', pt: 'portuguese', ro: 'romanian', ru: 'russian',
  sr: 'serbian', es: 'spanish', sv: 'swedish', ta: 'tamil', tr: 'turkish', yi: 'yiddish',
};

/** Every configuration searchConfig may name (the tests check each exists on both engines). */
export const SEARCH_CONFIGS: readonly string[] = [...new Set(['simple', ...Object.values(CONFIGS)])];

/** The text search configuration for a transcript's language (`en`, `und`, null), 'simple' when none fits. */
export function searchConfig(language: string | null): string {
  return (language && CONFIGS[language.toLowerCase()]) || 'simple';
}

/** One indexed line of a meeting: a transcript segment, a part of the summary, or a todo. */
export interface SearchEntry {
  kind: SearchKind;
  /** Its place among the entries of its kind (a segment's id, a todo's index): the row's key. */
  position: number;
  /** The transcript segment it is or cites; null for the summary. */
  segmentId: number | null;
  /** Where that segment starts, in seconds. */
  startSeconds: number | null;
  /** The diarization label (`SPEAKER_01`) of a segment; names are applied when shown. */
  speaker: string | null;
  text: string;
}

/**
 * What is indexed of a meeting: each transcript segment, the summary, its key points and decisions, and
 * each todo (task and context) at the first segment it cites.
 */
export function searchEntries(transcript: StoredTranscript, summary: SummaryDocument | null, todos: TodosDocument | null): SearchEntry[] {
  const starts = new Map(transcript.segments.map((s) => [s.id, s.start]));
  const segments = transcript.segments.map(
    (s): SearchEntry => ({ kind: 'transcript', position: s.id, segmentId: s.id, startSeconds: s.start, speaker: s.speaker ?? null, text: s.text }),
  );
  const notes = summary ? [summary.summary, ...summary.key_points, ...summary.decisions] : [];
  const summaries = notes.map((text, position): SearchEntry => ({ kind: 'summary', position, segmentId: null, startSeconds: null, speaker: null, text }));
  const todoEntries = (todos?.todos ?? []).map((t, position): SearchEntry => {
    const cited = t.segments.find((id) => starts.has(id)) ?? null;
    const text = t.context ? `${t.task} (${t.context})` : t.task;
    return { kind: 'todo', position, segmentId: cited, startSeconds: cited === null ? null : starts.get(cited)!, speaker: null, text };
  });
  return [...segments, ...summaries, ...todoEntries].filter((e) => e.text.trim().length > 0);
}

/** The query as searched (trimmed); an empty or overlong one is refused with QUERY_INVALID, before any lookup. */
export function checkSearchQuery(query: string): string {
  const words = query.trim();
  if (words.length === 0) throw new AppError('QUERY_INVALID', 'Type the words to search for.');
  if (Array.from(words).length > MAX_QUERY_LENGTH) {
    throw new AppError('QUERY_INVALID', `Search for at most ${MAX_QUERY_LENGTH} characters: a few words the meeting said.`);
  }
  return words;
}

/** Which meetings a search looks in: a chat channel's, those a browser knows, or all (the operator's CLI). */
export type SearchScope =
  | { kind: 'channel'; platform: string; workspaceId: string | null; channelId: string }
  | { kind: 'sessions'; ids: readonly string[] }
  | { kind: 'all' };

/** A line that matched, as surfaces show it: speaker names applied (speakerName, withSpeakerNames). */
export interface SearchHit {
  session: Session;
  /** What the meeting is called (meetingTitle): the title a person gave, else the one its notes proposed, else the file's name. */
  title: string;
  kind: SearchKind;
  /** The transcript segment the line is or cites, and where it starts (seconds); null for the summary. */
  segmentId: number | null;
  startSeconds: number | null;
  /** The speaker's shown name ("Maria", "Speaker 2"); null where no one was identified. */
  speaker: string | null;
  text: string;
  rank: number;
}
