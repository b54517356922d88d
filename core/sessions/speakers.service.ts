import { z } from 'zod';
import type { SessionsRepository } from '../db/sessions.repository.js';
import type { SpeakerNamesRepository } from '../db/speaker-names.repository.js';
import { cleanSpeakerName, MAX_SPEAKER_NAME, speakerName, speakerNameTooLong, type SpeakerNames } from '../domain/speaker-name.js';
import type { StorageLayout } from '../domain/storage-layout.js';
import { storedTranscriptSchema } from '../domain/transcript.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { TodoEventBus } from '../todos/todo-events.js';

export interface SpeakersServiceDeps {
  sessions: SessionsRepository;
  names: SpeakerNamesRepository;
  store: ObjectStore;
  layout: StorageLayout;
  /** Names ride the todo events (docs/architecture.md#todo-events): every rendering of the notes re-renders. */
  events: TodoEventBus;
  log: Logger;
  clock?: () => Date;
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
   * announces the session's names. Every label must be one the transcript uses; nothing is saved otherwise.
   * `by` is who named them, as the surface names people; null for a holder of the page link.
   */
  async nameSpeakers(sessionId: string, names: Readonly<Record<string, string | null>>, by: string | null): Promise<SpeakerNames> {
    const { sessions, store, layout, events, log } = this.deps;
    const session = z.uuid().safeParse(sessionId).success ? await sessions.get(sessionId) : null;
    if (!session) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.');
    const raw = await store.getJson(layout.transcript(sessionId));
    if (raw === null) throw new AppError('TRANSCRIPT_NOT_READY', 'The transcript of this meeting is not ready yet, so it has no speakers to name.');
    const labels = new Set(storedTranscriptSchema.parse(raw).segments.flatMap((s) => (s.speaker ? [s.speaker] : [])));

    const cleaned: Record<string, string | null> = {};
    for (const [label, name] of Object.entries(names)) {
      if (!labels.has(label)) {
        const known = [...labels].sort().join(', ') || 'none';
        throw new AppError('UNKNOWN_SPEAKER', `This meeting has no speaker "${label}". Its speakers are: ${known}.`);
      }
      const clean = cleanSpeakerName(name);
      if (clean !== null && speakerNameTooLong(clean)) throw new AppError('SPEAKER_NAME_TOO_LONG', `The name for ${speakerName(label)} is too long: at most ${MAX_SPEAKER_NAME} characters.`);
      cleaned[label] = clean;
    }
    const at = this.clock();
    await this.deps.names.save(sessionId, cleaned, by, at);
    const saved = await this.deps.names.forSession(sessionId);
    try {
      await events.publish({ kind: 'speakers', sessionId, names: { ...saved }, by, at: at.toISOString() });
    } catch (err) {
      // The names are saved (the truth); open pages and chat messages show them on their next render.
      log.warn({ err, sessionId }, 'speaker names not announced');
    }
    return saved;
  }
}
