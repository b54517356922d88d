import { speakerName } from './speaker-name.js';
import type { TodosDocument } from './todos.js';
import type { StoredTranscript } from './transcript.js';

/**
 * Speakers linked to chat members, by diarization label (`SPEAKER_01` → Slack `U0…` / a Discord snowflake),
 * on the session's own platform. Chat shows a linked speaker's todos as a mention of the member; the page,
 * the CLI and JSON show the name (SpeakerNames), which follows the member's profile.
 */
export type SpeakerMembers = Readonly<Record<string, string>>;

/** A speaker named by picking a chat member: the name is the member's display name at that moment. */
export interface MemberLink {
  memberId: string;
  name: string;
  /** The name the meeting used for this person (a suggestion the link came from), remembered for the channel. */
  heardAs?: string | null;
}

/** What a surface asks for one label: a typed name, a member, or null (back to `Speaker n`). */
export type SpeakerChoice = string | MemberLink | null;

export const isMemberLink = (choice: SpeakerChoice): choice is MemberLink => typeof choice === 'object' && choice !== null;

/** A label as the meeting's diarization wrote it; anything else in an assignee is a name the meeting said. */
const LABEL = /^SPEAKER_\d+$/;

/**
 * Names the meeting itself says: todo owners that are not diarization labels ("Maria, please send…" →
 * Maria), in the order the todos give them, each once (letter case aside).
 */
export function meetingNames(todos: TodosDocument | null): string[] {
  const seen = new Map<string, string>();
  for (const { assignee } of todos?.todos ?? []) {
    const name = assignee?.trim();
    if (name && !LABEL.test(name) && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  }
  return [...seen.values()];
}

/** One speaker as a "Who spoke?" message shows it. */
export interface SpeakerSample {
  label: string;
  /** The name shown now: a given name, else `Speaker n`. */
  shown: string;
  /** The member linked to the label, if any. */
  memberId: string | null;
  /** The first words of the speaker's first segment, so people can tell who it was. */
  sample: string;
}

/** Words of a speaker's first segment shown as a sample. */
const SAMPLE_WORDS = 12;

/** Every speaker of the transcript in the order they first speak, with a sample of what they said. */
export function speakerSamples(transcript: StoredTranscript, names: Readonly<Record<string, string>>, members: SpeakerMembers): SpeakerSample[] {
  const first = new Map<string, string>();
  for (const segment of transcript.segments) {
    if (segment.speaker && !first.has(segment.speaker)) first.set(segment.speaker, segment.text);
  }
  return [...first].map(([label, text]) => {
    const words = text.trim().split(/\s+/);
    const sample = words.slice(0, SAMPLE_WORDS).join(' ') + (words.length > SAMPLE_WORDS ? ' …' : '');
    return { label, shown: speakerName(label, names), memberId: members[label] ?? null, sample };
  });
}

/** The member each todo's owner is linked to, by todo id: chat mentions them on that todo. */
export function todoMembers(todos: TodosDocument, members: SpeakerMembers): Readonly<Record<string, string>> {
  return Object.fromEntries(todos.todos.flatMap((t) => (t.assignee && Object.hasOwn(members, t.assignee) ? [[t.id, members[t.assignee]!]] : [])));
}
