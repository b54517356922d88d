import { singleLine } from './display-name.js';
import type { SummaryDocument, TodosDocument } from './todos.js';

/** The names people gave a session's speakers, by diarization label (`SPEAKER_01` → `Maria`). */
export type SpeakerNames = Readonly<Record<string, string>>;

/** Longest speaker name kept, in characters (code points). */
export const MAX_SPEAKER_NAME = 60;

/** A diarization label as the processors write it. */
const LABEL = /^SPEAKER_(\d+)$/;
/** Labels inside text the LLM wrote (a summary's attributions). */
const LABELS_IN_TEXT = /\bSPEAKER_\d+\b/g;

/**
 * How a diarization label is shown to people, the same on the status page, in the CLI and in chat: the name
 * given to it, else `SPEAKER_01` → `Speaker 2`; any other label (an assignee the LLM named) as it is.
 */
export function speakerName(label: string, names: SpeakerNames = {}): string {
  if (Object.hasOwn(names, label)) return names[label]!;
  const m = LABEL.exec(label);
  return m ? `Speaker ${Number(m[1]) + 1}` : label;
}

/** Text with each named speaker's label replaced by the name; unnamed labels stay as written. */
export function withSpeakerNames(text: string, names: SpeakerNames): string {
  return text.replace(LABELS_IN_TEXT, (label) => (Object.hasOwn(names, label) ? names[label]! : label));
}

/** A name as typed, cleaned like a recording's name (one line, nothing invisible); null when nothing is left. */
export function cleanSpeakerName(raw: string | null): string | null {
  return (raw === null ? '' : singleLine(raw)) || null;
}

/**
 * A chat member's profile name as a speaker's name: cleaned, and cut to MAX_SPEAKER_NAME rather than refused
 * (nobody typed it here, and the member link says who it is); null when nothing is left.
 */
export function profileSpeakerName(raw: string): string | null {
  const clean = cleanSpeakerName(raw);
  return clean && Array.from(clean).slice(0, MAX_SPEAKER_NAME).join('');
}

/** Longer than MAX_SPEAKER_NAME is refused rather than cut: a cut name could name someone else. */
export const speakerNameTooLong = (name: string): boolean => Array.from(name).length > MAX_SPEAKER_NAME;

/**
 * The notes as a chat message shows them: each named speaker's label replaced by the name in the summary,
 * key points, decisions and todo assignees. Copies; the stored documents keep the labels.
 */
export function withNamedSpeakers(summary: SummaryDocument, todos: TodosDocument, names: SpeakerNames): { summary: SummaryDocument; todos: TodosDocument } {
  const named = (text: string) => withSpeakerNames(text, names);
  return {
    summary: { ...summary, summary: named(summary.summary), key_points: summary.key_points.map(named), decisions: summary.decisions.map(named) },
    todos: { ...todos, todos: todos.todos.map((t) => (t.assignee ? { ...t, assignee: named(t.assignee) } : t)) },
  };
}
