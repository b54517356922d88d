import { z } from 'zod';
import type { MemberNamesRepository, MemberPlace, RememberedMember } from '../db/member-names.repository.js';
import type { SessionsRepository } from '../db/sessions.repository.js';
import type { SpeakerNamesRepository } from '../db/speaker-names.repository.js';
import type { Session } from '../domain/session.js';
import { isMemberLink, meetingNames, type SpeakerChoice, type SpeakerMembers } from '../domain/speaker-members.js';
import { cleanSpeakerName, MAX_SPEAKER_NAME, profileSpeakerName, speakerName, speakerNameTooLong, type SpeakerNames } from '../domain/speaker-name.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import { todosDocumentSchema } from '../domain/todos.js';
import { storedTranscriptSchema } from '../domain/transcript.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { TodoEventBus } from '../todos/todo-events.js';

export interface SpeakersServiceDeps {
  sessions: SessionsRepository;
  names: SpeakerNamesRepository;
  /** Which member a name stood for in a channel: suggestions for the next meeting there. */
  members: MemberNamesRepository;
  store: ObjectStore;
  layout: StorageLayout;
  /** Names ride the todo events (docs/architecture.md#todo-events): every rendering of the notes re-renders. */
  events: TodoEventBus;
  log: Logger;
  clock?: () => Date;
}

/** Names to offer for a session's speakers, best first; none is applied until a person chooses it. */
export interface SpeakerSuggestions {
  /** Names the meeting itself says (todo owners that are no speaker label). */
  mentioned: string[];
  /** Those of them linked to a member in this channel before. */
  remembered: RememberedMember[];
}

/**
 * Naming a session's speakers, for the status page, the CLI and the chat bots alike. The names live in the
 * database; the stored transcript keeps its labels (docs/architecture.md#stored-results).
 */
export class SpeakersService {
  private readonly clock: () => Date;

  constructor(private readonly deps: SpeakersServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The names given so far, by label. */
  async names(sessionId: string): Promise<SpeakerNames> {
    return this.deps.names.forSession(sessionId);
  }

  /**
   * Names speakers (`{ SPEAKER_01: 'Maria' }`; an empty name or null returns the label to `Speaker n`) and
   * announces the session's names. A label may instead be linked to a chat member of the session's platform
   * (`{ memberId, name }`, the name as the member's profile gives it now): chat mentions them, and the names
   * they went by (see rememberLinks) are remembered for the session's channel. Every label must be one the
   * transcript uses; nothing is saved otherwise. `by` is who named them, as the surface names people; null
   * for a holder of the page link.
   */
  async nameSpeakers(sessionId: string, names: Readonly<Record<string, SpeakerChoice>>, by: string | null): Promise<SpeakerNames> {
    const session = await this.session(sessionId);
    const raw = await this.deps.store.getJson(this.deps.layout.transcript(sessionId));
    if (raw === null) throw new AppError('TRANSCRIPT_NOT_READY', 'The transcript of this meeting is not ready yet, so it has no speakers to name.');
    const labels = new Set(storedTranscriptSchema.parse(raw).segments.flatMap((s) => (s.speaker ? [s.speaker] : [])));

    const cleaned: Record<string, string | null> = {};
    const members: Record<string, string> = {};
    for (const [label, choice] of Object.entries(names)) {
      if (!labels.has(label)) {
        const known = [...labels].sort().join(', ') || 'none';
        throw new AppError('UNKNOWN_SPEAKER', `This meeting has no speaker "${label}". Its speakers are: ${known}.`);
      }
      if (isMemberLink(choice)) {
        cleaned[label] = profileSpeakerName(choice.name) ?? choice.memberId;
        members[label] = choice.memberId;
        continue;
      }
      const clean = cleanSpeakerName(choice);
      if (clean !== null && speakerNameTooLong(clean)) throw new AppError('SPEAKER_NAME_TOO_LONG', `The name for ${speakerName(label)} is too long: at most ${MAX_SPEAKER_NAME} characters.`);
      cleaned[label] = clean;
    }
    const at = this.clock();
    const before = await this.deps.names.forSession(sessionId);
    await this.deps.names.save(sessionId, cleaned, by, at, members);
    await this.rememberLinks(session, names, before, at);
    return this.announce(sessionId, by, at);
  }

  /** The members linked to the session's speakers, by label. */
  async members(sessionId: string): Promise<SpeakerMembers> {
    return this.deps.names.membersOf(sessionId);
  }

  /**
   * Linked speakers' names as their chat profiles say now (`{ SPEAKER_01: 'Maria Silva' }`, for the member
   * each label is linked to). Saved and announced only when a name changed, so the re-render the
   * announcement causes finds nothing new and the refresh ends there.
   */
  async refreshMemberNames(sessionId: string, profiles: ReadonlyArray<{ label: string; memberId: string; name: string }>): Promise<SpeakerNames> {
    let changed = false;
    for (const { label, memberId, name } of profiles) {
      const clean = profileSpeakerName(name);
      if (clean && (await this.deps.names.renameMember(sessionId, label, memberId, clean))) changed = true;
    }
    return changed ? this.announce(sessionId, null, this.clock()) : this.deps.names.forSession(sessionId);
  }

  /**
   * Names to offer for the speakers: those the meeting says first, then which of them were linked to a
   * member in the session's channel before. Nothing here is applied; a person picks.
   */
  async suggestions(sessionId: string): Promise<SpeakerSuggestions> {
    const session = await this.session(sessionId);
    const raw = await this.deps.store.getJson(this.deps.layout.todos(sessionId));
    const mentioned = meetingNames(raw === null ? null : todosDocumentSchema.parse(raw));
    const place = placeOf(session);
    return { mentioned, remembered: place ? await this.deps.members.lookup(place, mentioned) : [] };
  }

  private async session(sessionId: string): Promise<Session> {
    const session = z.uuid().safeParse(sessionId).success ? await this.deps.sessions.get(sessionId) : null;
    if (!session) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.');
    return session;
  }

  /** Remembers, for the session's channel, each name the meeting used for a speaker now linked to a member. */
  private async rememberLinks(session: Session, choices: Readonly<Record<string, SpeakerChoice>>, before: SpeakerNames, at: Date): Promise<void> {
    const place = placeOf(session);
    if (!place) return;
    for (const [label, choice] of Object.entries(choices)) {
      if (!isMemberLink(choice)) continue;
      // The profile's name, the suggestion it came from, and a name typed for the speaker before (on the
      // page, or a name the meeting said): each is how people here may call them next time.
      const heard = [choice.name, choice.heardAs, before[label]].filter((n): n is string => !!n);
      await this.deps.members.remember(place, heard, choice.memberId, at);
    }
  }

  /** Announces the session's names as they stand; a failed announcement is logged, the names are saved. */
  private async announce(sessionId: string, by: string | null, at: Date): Promise<SpeakerNames> {
    const saved = await this.deps.names.forSession(sessionId);
    try {
      await this.deps.events.publish({ kind: 'speakers', sessionId, names: { ...saved }, by, at: at.toISOString() });
    } catch (err) {
      // The names are saved (the truth); open pages and chat messages show them on their next render.
      this.deps.log.warn({ err, sessionId }, 'speaker names not announced');
    }
    return saved;
  }
}

/** Where a chat session's names are remembered: its platform, workspace and channel; none outside chat. */
function placeOf(session: Session): MemberPlace | null {
  const { platform, workspaceId, channelId } = session.origin;
  return (platform === 'slack' || platform === 'discord') && channelId ? { platform, workspaceId: workspaceId ?? '', channelId } : null;
}
