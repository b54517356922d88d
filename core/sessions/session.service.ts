import { randomUUID } from 'node:crypto';
import type { SearchRepository } from '../db/search.repository.js';
import type { SessionQuery, SessionsRepository } from '../db/sessions.repository.js';
import type { NotesVersion, NotesVersionsRepository } from '../db/notes-versions.repository.js';
import type { SpeakerNamesRepository } from '../db/speaker-names.repository.js';
import type { UsersRepository } from '../db/users.repository.js';
import type { ChatUser } from '../domain/chat-user.js';
import { displayName, displayTitle } from '../domain/display-name.js';
import type { MeetingEntry } from '../domain/meeting-entry.js';
import { receivingMessage } from '../domain/progress-text.js';
import type { SpeakerMembers } from '../domain/speaker-members.js';
import { checkSearchQuery, MAX_SEARCH_HITS, type SearchHit, type SearchScope } from '../domain/search.js';
import { speakerName, withSpeakerNames, type SpeakerNames } from '../domain/speaker-name.js';
import { refPath, type StorageLayout } from '../domain/storage-layout.js';
import type { ChatOrigin, Session, TranscriptionOptions } from '../domain/session.js';
import { exportMeeting, type ExportFile, type ExportFormat, type ExportOptions } from '../domain/exports/index.js';
import { storedTranscriptSchema, type StoredTranscript } from '../domain/transcript.js';
import { summaryDocumentSchema, todosDocumentSchema, type SummaryDocument, type TodosDocument } from '../domain/todos.js';
import { noTranscript } from './no-transcript.js';
import { AppError, toAppError } from '../errors.js';
import type { IngestService, MediaSource } from '../ingest/ingest.service.js';
import { formatBytes } from '../ingest/byte-limit.js';
import type { Logger } from '../logger.js';
import type { ProgressBus } from '../progress/progress-bus.js';
import type { ProgressReporter } from '../progress/progress-reporter.js';
import type { QueueName } from '../domain/job.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { TodoEventBus } from '../todos/todo-events.js';
import { readMeetingEntry, readMeetingTitle } from './meeting-entries.js';
import { TooManyActiveError } from './too-many-active.js';
import { THIS_UPLOADER } from './uploader.js';

export interface StartSession {
  user: ChatUser;
  origin: ChatOrigin;
  /** The person's IANA zone, when their platform gives one: todo due dates are read in it. */
  timeZone?: string | null;
  source: MediaSource;
  /** A name to show; defaults to the one the source carries (attachment name, link path). */
  filename?: string | null;
  options?: Partial<TranscriptionOptions>;
  signal?: AbortSignal;
}

export interface StartedSession {
  /** The new session, already recorded as UPLOADING (chat replies can name it at once). */
  session: Session;
  /** Settles when the upload is stored and the job queued (PROCESSING) or was refused (FAILED). Never rejects. */
  uploaded: Promise<Session>;
}

export interface SessionResults {
  transcript: StoredTranscript | null;
  todos: TodosDocument | null;
  summary: SummaryDocument | null;
  /** The names given to the speakers; the documents keep their labels, renderers apply these (speakerName). */
  speakers: SpeakerNames;
  /** The speakers linked to chat members: chat renders their todos as mentions (todoMembers). */
  members: SpeakerMembers;
  /** The version of the notes these `todos` and `summary` are; the current one is the last of `versions`. */
  version: number;
  /** Every version of the notes, oldest first: 1 is the first notes, later ones were regenerated. */
  versions: NotesVersion[];
}

export type CancelResult =
  | { outcome: 'cancelled'; session: Session }
  | { outcome: 'not-found' }
  /** Only the person who started it, or an admin, may cancel a session. */
  | { outcome: 'forbidden'; session: Session }
  /** Already COMPLETED, FAILED or CANCELLED: nothing to stop. */
  | { outcome: 'finished'; session: Session };

export type DeleteResult =
  | { outcome: 'deleted'; session: Session }
  | { outcome: 'not-found' }
  /** Only the person who started it, or an admin, may delete a session. */
  | { outcome: 'forbidden'; session: Session };

export type RetryResult =
  | { outcome: 'retried'; session: Session; resumesFrom: QueueName }
  | { outcome: 'not-found' }
  /** The caller's rule (`MayAct`) refused the person asking. */
  | { outcome: 'forbidden'; session: Session }
  /** Not FAILED (running, completed or cancelled), or another retry started it first. */
  | { outcome: 'not-failed'; session: Session }
  /** The recording never finished uploading: nothing is stored to start again from. */
  | { outcome: 'no-recording'; session: Session }
  /** Its owner already has `maxActivePerUser` sessions uploading or processing; each surface adds how to stop one. */
  | { outcome: 'too-many-active'; session: Session; error: TooManyActiveError };

export type RenameResult =
  /** `title` is what the meeting is now called: the new title, or the proposed one when it was cleared. */
  | { outcome: 'renamed'; session: Session; title: string }
  | { outcome: 'not-found' }
  /** The caller's rule (`MayAct`) refused the person asking. */
  | { outcome: 'forbidden'; session: Session };

/** Which meetings a list shows, newest first: a person's and a chat channel's (either matches), or all of them. */
export interface MeetingQuery extends Omit<SessionQuery, 'userId'> {
  user?: ChatUser;
}

/**
 * Whether the person asking may act on this session: the surface that knows who asks decides, from the
 * stored session (who may do what in chat: docs/architecture.md#chat).
 */
export type MayAct = (session: Session) => Promise<boolean>;

/** The page's link holder and the CLI's operator: authorized before they ask (the token, the machine). */
export const AUTHORIZED: MayAct = () => Promise.resolve(true);

/** What a retried session says while it waits, by the queue its job went to. */
const RETRY_MESSAGES: Record<QueueName, string> = {
  transcribe: 'Trying again: waiting for a processor',
  todos: 'Trying again from the stored transcript: waiting for a processor',
};

const CANCELLED_MESSAGE = 'This recording was cancelled.';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const DEFAULT_OPTIONS: TranscriptionOptions = {
  language: null,
  diarize: true,
  minSpeakers: null,
  maxSpeakers: null,
  prompt: null,
  model: null,
};

export interface SessionServiceDeps {
  sessions: SessionsRepository;
  users: UsersRepository;
  speakerNames: SpeakerNamesRepository;
  notesVersions: NotesVersionsRepository;
  /** The full-text index the processor fills (docs/architecture.md#search). */
  search: SearchRepository;
  ingest: IngestService;
  queue: JobQueue;
  store: ObjectStore;
  layout: StorageLayout;
  bus: ProgressBus;
  progress: ProgressReporter;
  /** A new title rides the todo events (docs/architecture.md#todo-events): open pages show it at once. */
  events: TodoEventBus;
  log: Logger;
  /** Sessions one person may have uploading or processing at once (MAX_ACTIVE_SESSIONS_PER_USER). */
  maxActivePerUser: number;
}

/**
 * The one way into the pipeline: chat bots, the CLI and the web page all start, read and delete sessions
 * here, never touching storage or the queue themselves.
 */
export class SessionService {
  /** Uploads running in this process, so a cancel can stop them. */
  private readonly uploads = new Map<string, AbortController>();

  constructor(private readonly deps: SessionServiceDeps) {}

  /**
   * Records the session and starts its upload. Throws TooManyActiveError, creating nothing and leaving a
   * stream source unread (its caller closes it), when the person already has `maxActivePerUser` sessions
   * uploading or processing.
   */
  async start(input: StartSession): Promise<StartedSession> {
    const { sessions, users, maxActivePerUser } = this.deps;
    const userId = await users.resolve(input.user);
    const options = { ...DEFAULT_OPTIONS, ...input.options };
    const created = await sessions.createWithinLimit(
      {
        id: randomUUID(),
        userId,
        // Cleaned here too, whoever cleaned it before (cleaning twice changes nothing): the CLI and the web come in here.
        filename: displayName(input.filename ?? (input.source.kind === 'stream' ? input.source.filename : null)),
        origin: input.origin,
        sourceKind: input.source.kind === 'link' ? 'link' : 'upload',
        // This process stores it: a process starting after a crash can tell the upload will never finish.
        uploader: THIS_UPLOADER,
        timeZone: input.timeZone ?? null,
        options,
      },
      maxActivePerUser,
    );
    if (!created.session) throw new TooManyActiveError(created.active);
    const { session } = created;
    await this.deps.progress.report(session.id, 'UPLOADING', 'upload', 0, receivingMessage(session.sourceKind));
    const abort = new AbortController();
    this.uploads.set(session.id, abort);
    const signal = input.signal ? AbortSignal.any([input.signal, abort.signal]) : abort.signal;
    const uploaded = this.upload(session, input, options, signal)
      // Even recording the failure can fail (the database went away): the caller still gets an answer,
      // and the stale-upload reaper fails the row later.
      .catch((err: unknown) => {
        this.deps.log.error({ err, sessionId: session.id }, 'upload outcome not recorded');
        return session;
      })
      .finally(() => this.uploads.delete(session.id));
    return { session, uploaded };
  }

  async get(id: string): Promise<Session | null> {
    return this.deps.sessions.get(id);
  }

  /** The meeting a chat thread is about: the newest session started there (questions in a thread, docs/architecture.md#questions). */
  inThread(place: Parameters<SessionsRepository['latestInThread']>[0]): Promise<Session | null> {
    return this.deps.sessions.latestInThread(place);
  }

  /** True when `user` is the one who started the session. */
  async ownerOf(session: Session, user: ChatUser): Promise<boolean> {
    return session.userId === (await this.deps.users.resolve(user));
  }

  /** Recent meetings as lists show them (docs/architecture.md#coming-back-to-a-meeting). */
  async listMeetings(query: MeetingQuery): Promise<MeetingEntry[]> {
    const { user, ...rest } = query;
    const userId = user ? await this.deps.users.resolve(user) : undefined;
    const found = await this.deps.sessions.list({ ...rest, userId });
    return Promise.all(found.map((s) => readMeetingEntry(this.deps, s)));
  }

  /**
   * Gives the meeting a title, cleaned as a recording's name is (one line, at most 150 characters); an empty
   * one goes back to the title the notes proposed. `may` decides who may: chat's rule, or AUTHORIZED. The
   * title now shown is announced; `by` is who renamed it, as the surface names people (null for the page).
   */
  async rename(id: string, title: string, may: MayAct, by: string | null): Promise<RenameResult> {
    const session = await this.deps.sessions.get(id);
    if (!session) return { outcome: 'not-found' };
    if (!(await may(session))) return { outcome: 'forbidden', session };
    const renamed = await this.deps.sessions.setTitle(id, displayTitle(title));
    if (!renamed) return { outcome: 'not-found' };
    this.deps.log.info({ sessionId: id }, 'meeting renamed');
    const shown = await readMeetingTitle(this.deps, renamed);
    try {
      await this.deps.events.publish({ kind: 'title', sessionId: id, title: shown, by, at: new Date().toISOString() });
    } catch (err) {
      // The title is saved (the truth); open pages show it on their next load.
      this.deps.log.warn({ err, sessionId: id }, 'new title not announced');
    }
    return { outcome: 'renamed', session: renamed, title: shown };
  }

  /**
   * The lines of meetings in `scope` that best match `query` (docs/architecture.md#search), best first, at most
   * `limit` (up to MAX_SEARCH_HITS), speaker names applied, each with its meeting's title. An empty query, or
   * one over MAX_QUERY_LENGTH, is refused with QUERY_INVALID; search syntax (quotes, `-`, `or`) is taken, any
   * other character as text.
   */
  async search(query: string, scope: SearchScope, limit = 10): Promise<SearchHit[]> {
    const words = checkSearchQuery(query);
    // A browser's list may hold anything: only ids can name a meeting.
    const within = scope.kind === 'sessions' ? { ...scope, ids: scope.ids.filter((id) => UUID.test(id)) } : scope;
    const matches = await this.deps.search.search(words, within, Math.max(1, Math.min(limit, MAX_SEARCH_HITS)));
    // Once per meeting, however many of its lines matched: its row, speakers' names and title (the proposed one is in its notes).
    const meetings = new Map(
      await Promise.all(
        [...new Set(matches.map((m) => m.sessionId))].map(async (id) => {
          const [session, names] = await Promise.all([this.deps.sessions.get(id), this.deps.speakerNames.forSession(id)]);
          return [id, { session, names, title: session && (await readMeetingTitle(this.deps, session)) }] as const;
        }),
      ),
    );
    return matches.flatMap(({ sessionId, speaker, text, ...match }) => {
      const { session, names, title } = meetings.get(sessionId)!;
      // Deleted between the match and now: nothing left to show.
      if (!session || title === null) return [];
      return [{ ...match, session, title, speaker: speaker === null ? null : speakerName(speaker, names), text: withSpeakerNames(text, names) }];
    });
  }

  /**
   * The stored results; each is null until its stage has finished. The notes are the current version, or
   * `version`, an earlier one kept under `v{n}/` (docs/architecture.md#regenerating-the-notes).
   */
  async results(id: string, version?: number): Promise<SessionResults> {
    const { store, layout, sessions, notesVersions } = this.deps;
    const session = await sessions.get(id);
    const current = session?.notesVersion ?? 1;
    const shown = version ?? current;
    if (!Number.isInteger(shown) || shown < 1 || shown > current) {
      throw new AppError('VERSION_NOT_FOUND', `This meeting has no version ${shown} of its notes: they go from 1 to ${current}.`);
    }
    const archived = shown < current;
    const [transcript, todos, summary, speakers, members, regenerated] = await Promise.all([
      store.getJson(layout.transcript(id)),
      store.getJson(archived ? layout.versionTodos(id, shown) : layout.todos(id)),
      store.getJson(archived ? layout.versionSummary(id, shown) : layout.summary(id)),
      this.deps.speakerNames.forSession(id),
      this.deps.speakerNames.membersOf(id),
      notesVersions.forSession(id),
    ]);
    const first: NotesVersion = { version: 1, instruction: null, model: null, requestedBy: null, createdAt: session?.createdAt ?? new Date(0) };
    return {
      transcript: transcript === null ? null : storedTranscriptSchema.parse(transcript),
      todos: todos === null ? null : todosDocumentSchema.parse(todos),
      summary: summary === null ? null : summaryDocumentSchema.parse(summary),
      speakers,
      members,
      version: shown,
      versions: [first, ...regenerated],
    };
  }

  /**
   * The meeting as a file in `format` (docs/architecture.md#exports), speaker names applied. Until its
   * transcript is stored there is nothing to export: TRANSCRIPT_NOT_READY says why, and nothing changes.
   */
  async export(id: string, format: ExportFormat, options: ExportOptions = {}): Promise<ExportFile> {
    const session = await this.deps.sessions.get(id);
    if (!session) throw new AppError('SESSION_NOT_FOUND', 'This meeting no longer exists.');
    const { transcript, ...results } = await this.results(id);
    if (!transcript) throw new AppError('TRANSCRIPT_NOT_READY', noTranscript(session.status, { later: 'Export it', nothingTo: 'export' }));
    return exportMeeting({ session, transcript, ...results }, format, options);
  }

  /**
   * Stops a session that is uploading or queued or being processed: it becomes CANCELLED at once, an
   * upload running in this process is aborted (leaving no object), and a processor drops the job at its
   * next stage boundary. What was already stored stays until the session is deleted.
   */
  async cancel(id: string, user: ChatUser, isAdmin: boolean): Promise<CancelResult> {
    const { sessions, progress, log } = this.deps;
    const session = await sessions.get(id);
    if (!session) return { outcome: 'not-found' };
    if (!isAdmin && !(await this.ownerOf(session, user))) return { outcome: 'forbidden', session };
    if (session.status === 'PROCESSING' && session.todosPath) return this.stopRewriting(session);
    const cancelled = await sessions.transition(id, ['UPLOADING', 'PROCESSING'], {
      status: 'CANCELLED',
      errorCode: 'CANCELLED',
      errorMessage: CANCELLED_MESSAGE,
    });
    if (!cancelled) return { outcome: 'finished', session: (await sessions.get(id)) ?? session };
    this.uploads.get(id)?.abort(new AppError('CANCELLED', CANCELLED_MESSAGE));
    log.info({ sessionId: id, stage: cancelled.stage }, 'session cancelled');
    await progress.report(id, 'CANCELLED', cancelled.stage, 0, 'Cancelled');
    return { outcome: 'cancelled', session: cancelled };
  }

  /**
   * A session with notes is processing only to write them again (docs/architecture.md#regenerating-the-notes):
   * stopping that leaves the notes it has as they are, and the session COMPLETED, not CANCELLED. The job
   * finds the session no longer processing before it replaces anything, and stops.
   */
  private async stopRewriting(session: Session): Promise<CancelResult> {
    const { sessions, progress, log } = this.deps;
    const back = await sessions.transition(session.id, ['PROCESSING'], { status: 'COMPLETED', stage: 'done', percent: 100 });
    if (!back) return { outcome: 'finished', session: (await sessions.get(session.id)) ?? session };
    log.info({ sessionId: session.id }, 'notes regeneration cancelled');
    await progress.report(session.id, 'COMPLETED', 'done', 1, 'Done');
    return { outcome: 'cancelled', session: back };
  }

  /**
   * Starts a FAILED session again from what it stored (docs/architecture.md#errors): from its transcript
   * on the `todos` queue when that was written, else from its recording on the `transcribe` queue. `may`
   * decides who may: chat's rule, or AUTHORIZED for the page's link and the CLI. Two retries at once start
   * one job: only one moves the row out of FAILED. It counts against the owner's limit of active sessions
   * (whoever asks, it is the owner's share of the queue): at the limit nothing changes.
   */
  async retry(id: string, may: MayAct): Promise<RetryResult> {
    const { sessions, store, layout, queue, progress, log, maxActivePerUser } = this.deps;
    const session = await sessions.get(id);
    if (!session) return { outcome: 'not-found' };
    if (!(await may(session))) return { outcome: 'forbidden', session };
    if (session.status !== 'FAILED') return { outcome: 'not-failed', session };
    if (!session.videoPath) return { outcome: 'no-recording', session };
    // The transcript is only written once complete, so its presence means transcription need not run again.
    const resumesFrom: QueueName = (await store.exists(layout.transcript(id))) ? 'todos' : 'transcribe';
    const stage = resumesFrom === 'todos' ? 'todos' : 'queued';
    const moved = await sessions.transitionWithinLimit(
      id,
      ['FAILED'],
      { status: 'PROCESSING', stage, attempts: 0, errorCode: null, errorMessage: null },
      session.userId,
      maxActivePerUser,
    );
    if (!moved) return { outcome: 'not-failed', session: (await sessions.get(id)) ?? session };
    if (!moved.session) return { outcome: 'too-many-active', session, error: new TooManyActiveError(moved.active, null, 'sharers') };
    const retried = moved.session;
    // Reopened before the job is queued: the job's first events would be dropped behind the failure.
    await progress.reopen(id, stage, RETRY_MESSAGES[resumesFrom]);
    try {
      await queue.publish(resumesFrom, { v: 1, sessionId: id, options: session.options });
    } catch (err) {
      // Nothing will run it: it is FAILED again, to be retried later.
      const error = toAppError(err);
      await sessions.transition(id, ['PROCESSING'], { status: 'FAILED', errorCode: error.code, errorMessage: error.userMessage });
      await progress.fail(id, stage, error);
      throw err;
    }
    log.info({ sessionId: id, resumesFrom }, 'session retried');
    return { outcome: 'retried', session: retried, resumesFrom };
  }

  /**
   * Removes the session's objects, its row and its Redis keys, for the person who started it or an admin.
   * Objects go first: a row never outlives them unnoticed.
   */
  async delete(id: string, user: ChatUser, isAdmin: boolean): Promise<DeleteResult> {
    const { sessions, bus } = this.deps;
    const session = await sessions.get(id);
    if (!session) return { outcome: 'not-found' };
    if (!isAdmin && !(await this.ownerOf(session, user))) return { outcome: 'forbidden', session };
    await this.deleteObjects(id);
    await bus.forget(id);
    return (await sessions.delete(id)) ? { outcome: 'deleted', session } : { outcome: 'not-found' };
  }

  private async deleteObjects(id: string): Promise<void> {
    const { store, layout } = this.deps;
    for (const prefix of layout.prefixes(id)) await store.deletePrefix(prefix);
  }

  private async upload(session: Session, input: StartSession, options: TranscriptionOptions, signal: AbortSignal): Promise<Session> {
    const { ingest, sessions, queue, progress, log } = this.deps;
    const id = session.id;
    try {
      const stage = progress.begin(id, 'UPLOADING', 'upload', receivingMessage(session.sourceKind));
      const media = await ingest.ingest(
        id,
        input.source,
        (bytes, total) =>
          stage.update(total ? bytes / total : 0, receivingMessage(session.sourceKind, { received: formatBytes(bytes), total: total ? formatBytes(total) : null })),
        signal,
      );
      await stage.flush();
      const queued = await sessions.transition(id, ['UPLOADING'], {
        status: 'PROCESSING',
        stage: 'queued',
        filename: session.filename ?? displayName(media.filename),
        videoPath: refPath(media.ref),
        sizeBytes: media.bytes,
        contentType: media.contentType,
        durationSeconds: media.durationSeconds,
      });
      if (!queued) {
        // Cancelled (or given up as abandoned) while the last bytes went in: the recording is not kept.
        await this.deleteObjects(id);
        throw new AppError('CANCELLED', 'This session was cancelled before the upload finished.');
      }
      await queue.publish('transcribe', { v: 1, sessionId: id, options });
      await progress.report(id, 'PROCESSING', 'queued', 0, 'Waiting for a processor');
      return queued;
    } catch (err) {
      const error = toAppError(err);
      const failed = await sessions.transition(id, ['UPLOADING', 'PROCESSING'], {
        status: 'FAILED',
        errorCode: error.code,
        errorMessage: error.userMessage,
      });
      if (!failed) {
        // Cancelled (or given up as abandoned) meanwhile: that outcome stands and was already reported.
        log.info({ code: error.code, sessionId: id }, 'upload stopped; the session had already ended');
        return (await sessions.get(id)) ?? session;
      }
      if (error.code === 'INTERNAL') log.error({ err, sessionId: id }, 'upload failed');
      else log.info({ code: error.code, sessionId: id }, 'recording refused');
      await progress.fail(id, 'upload', error);
      return failed;
    }
  }
}
