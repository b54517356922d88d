import type { Knex } from 'knex';
import type { ChatOrigin, Session, SessionStatus, SourceKind, Stage, TranscriptionOptions } from '../domain/session.js';

interface SessionRow {
  id: string;
  user_id: string;
  filename: string | null;
  title: string | null;
  status: SessionStatus;
  created_at: Date;
  updated_at: Date;
  video_path: string | null;
  transcript_path: string | null;
  todos_path: string | null;
  summary_path: string | null;
  platform: ChatOrigin['platform'];
  workspace_id: string | null;
  channel_id: string | null;
  thread_ref: string | null;
  status_message_ref: string | null;
  source_kind: SourceKind;
  uploader: string | null;
  time_zone: string | null;
  size_bytes: string | number | null;
  content_type: string | null;
  duration_seconds: number | null;
  language: string | null;
  stage: Stage;
  percent: number;
  options: TranscriptionOptions;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  results_message_refs: string[];
  results_posted_at: Date | null;
  notes_version: number;
}

export interface NewSession {
  id: string;
  userId: string;
  filename: string | null;
  origin: ChatOrigin;
  sourceKind: SourceKind;
  /** The process storing the recording (core/sessions/uploader.ts), when it is known. */
  uploader?: string;
  /** The person's IANA zone, when their platform gives one. */
  timeZone?: string | null;
  options: TranscriptionOptions;
}

/** Fields a stage may change; `undefined` leaves a column as it is. */
export interface SessionPatch {
  status?: SessionStatus;
  stage?: Stage;
  percent?: number;
  filename?: string | null;
  videoPath?: string | null;
  transcriptPath?: string | null;
  todosPath?: string | null;
  summaryPath?: string | null;
  sizeBytes?: number | null;
  contentType?: string | null;
  durationSeconds?: number | null;
  language?: string | null;
  statusMessageRef?: string | null;
  threadRef?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  attempts?: number;
}

/** Which sessions a list shows, newest first: a person's, a chat channel's (either, when both are given), or all. */
/** A chat channel, as sessions record where they were started. */
export interface SessionsQueryChannel {
  platform: ChatOrigin['platform'];
  workspaceId: string | null;
  channelId: string;
}

export interface SessionQuery {
  userId?: string;
  channel?: SessionsQueryChannel;
  status?: SessionStatus;
  limit: number;
}

/** A session in one of these holds resources (an upload, a queue slot): they count toward a person's limit. */
export const ACTIVE_STATUSES: SessionStatus[] = ['UPLOADING', 'PROCESSING'];

const columns: Record<keyof SessionPatch, keyof SessionRow> = {
  status: 'status',
  stage: 'stage',
  percent: 'percent',
  filename: 'filename',
  videoPath: 'video_path',
  transcriptPath: 'transcript_path',
  todosPath: 'todos_path',
  summaryPath: 'summary_path',
  sizeBytes: 'size_bytes',
  contentType: 'content_type',
  durationSeconds: 'duration_seconds',
  language: 'language',
  statusMessageRef: 'status_message_ref',
  threadRef: 'thread_ref',
  errorCode: 'error_code',
  errorMessage: 'error_message',
  attempts: 'attempts',
};

function toSession(r: SessionRow): Session {
  return {
    id: r.id,
    userId: r.user_id,
    filename: r.filename,
    title: r.title,
    status: r.status,
    stage: r.stage,
    percent: r.percent,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    videoPath: r.video_path,
    transcriptPath: r.transcript_path,
    todosPath: r.todos_path,
    summaryPath: r.summary_path,
    origin: {
      platform: r.platform,
      workspaceId: r.workspace_id,
      channelId: r.channel_id,
      threadRef: r.thread_ref,
      statusMessageRef: r.status_message_ref,
    },
    sourceKind: r.source_kind,
    uploader: r.uploader,
    timeZone: r.time_zone,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    contentType: r.content_type,
    durationSeconds: r.duration_seconds,
    language: r.language,
    options: r.options,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    attempts: r.attempts,
    resultsMessageRefs: r.results_message_refs,
    notesVersion: r.notes_version,
  };
}

async function insertSession(db: Knex | Knex.Transaction, s: NewSession): Promise<Session> {
  const [row] = await db<SessionRow>('sessions')
    .insert({
      id: s.id,
      user_id: s.userId,
      filename: s.filename,
      status: 'UPLOADING',
      stage: 'upload',
      percent: 0,
      platform: s.origin.platform,
      workspace_id: s.origin.workspaceId,
      channel_id: s.origin.channelId,
      thread_ref: s.origin.threadRef,
      status_message_ref: s.origin.statusMessageRef,
      source_kind: s.sourceKind,
      uploader: s.uploader ?? null,
      time_zone: s.timeZone ?? null,
      options: JSON.stringify(s.options) as unknown as TranscriptionOptions,
    })
    .returning('*');
  return toSession(row as SessionRow);
}

/** A change made within a person's limit of active sessions, or refused with how many they have. */
export type WithinLimit = { session: Session } | { session: null; active: number };

/**
 * Takes the person's advisory lock for the transaction and counts their sessions uploading or processing, so
 * their starts, retries and regenerations, each counting then adding one, take turns and never overshoot,
 * while other people's do not wait.
 * Every query runs on the transaction: with PGlite behind a connection multiplexer, a query on another
 * connection meanwhile would wait for this transaction forever.
 */
async function lockActive(trx: Knex.Transaction, userId: string): Promise<number> {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`active-sessions:${userId}`]);
  const [counted] = await trx('sessions').where({ user_id: userId }).whereIn('status', ACTIVE_STATUSES).count({ n: '*' });
  return Number((counted as { n: string | number }).n);
}

async function updateSession(db: Knex | Knex.Transaction, id: string, patch: SessionPatch, from?: SessionStatus[]): Promise<Session | null> {
  const values: Record<string, unknown> = { updated_at: db.fn.now() };
  for (const [key, column] of Object.entries(columns) as [keyof SessionPatch, keyof SessionRow][]) {
    if (patch[key] !== undefined) values[column] = patch[key];
  }
  const query = db<SessionRow>('sessions').where({ id });
  if (from) query.whereIn('status', from);
  const [row] = await query.update(values).returning('*');
  return row ? toSession(row) : null;
}

/** Session metadata in PostgreSQL. Objects live in storage; this table only points at them. */
export class SessionsRepository {
  constructor(private readonly knex: Knex) {}

  async create(s: NewSession): Promise<Session> {
    return insertSession(this.knex, s);
  }

  /**
   * Creates the session unless its user already has `maxActive` sessions uploading or processing; then
   * nothing is created and the count is returned (lockActive: simultaneous starts by one person take turns).
   */
  async createWithinLimit(s: NewSession, maxActive: number): Promise<WithinLimit> {
    return this.knex.transaction(async (trx) => {
      const active = await lockActive(trx, s.userId);
      return active >= maxActive ? { session: null, active } : { session: await insertSession(trx, s) };
    });
  }

  async get(id: string): Promise<Session | null> {
    const row = await this.knex<SessionRow>('sessions').where({ id }).first();
    return row ? toSession(row) : null;
  }

  async update(id: string, patch: SessionPatch): Promise<Session | null> {
    return updateSession(this.knex, id, patch);
  }

  /**
   * Applies the patch only while the session is in one of `from`: a late stage can never overwrite a
   * cancellation or resurrect a failed session. Returns null when nothing matched.
   */
  async transition(id: string, from: SessionStatus[], patch: SessionPatch): Promise<Session | null> {
    return updateSession(this.knex, id, patch, from);
  }

  /**
   * A transition into an active status that counts against `userId`'s limit, as a start does: null when the
   * session is not in one of `from` (whatever the count), else applied unless the person already has
   * `maxActive` sessions uploading or processing, when nothing changes and the count is returned. Under the
   * same lock as createWithinLimit, so starts, retries and regenerations by one person never overshoot together.
   */
  async transitionWithinLimit(id: string, from: SessionStatus[], patch: SessionPatch, userId: string, maxActive: number): Promise<WithinLimit | null> {
    return this.knex.transaction(async (trx) => {
      const active = await lockActive(trx, userId);
      if (!(await trx('sessions').where({ id }).whereIn('status', from).first('id'))) return null;
      if (active >= maxActive) return { session: null, active };
      const moved = await updateSession(trx, id, patch, from);
      return moved && { session: moved };
    });
  }

  async list(q: SessionQuery): Promise<Session[]> {
    const { userId, channel, status, limit } = q;
    const query = this.knex<SessionRow>('sessions').orderBy('created_at', 'desc').limit(limit);
    if (status) query.where({ status });
    if (userId || channel) {
      query.where((mine) => {
        if (userId) mine.orWhere({ user_id: userId });
        if (channel) {
          mine.orWhere((here) => {
            here.where({ platform: channel.platform, channel_id: channel.channelId });
            if (channel.workspaceId === null) here.whereNull('workspace_id');
            else here.where({ workspace_id: channel.workspaceId });
          });
        }
      });
    }
    return (await query).map(toSession);
  }

  /** Sets the title a person gave the meeting; null goes back to the proposed one. Null when there is no such session. */
  // updated_at stays: it says how long a stage has stood still (listStale), which a rename does not change.
  async setTitle(id: string, title: string | null): Promise<Session | null> {
    const [row] = await this.knex<SessionRow>('sessions').where({ id }).update({ title }).returning('*');
    return row ? toSession(row) : null;
  }

  /**
   * The newest session whose chat thread is `threadRef` on that platform and workspace (in `channelId` when
   * given: Slack's thread timestamps are unique per channel only), or null.
   */
  async latestInThread(place: { platform: ChatOrigin['platform']; workspaceId: string | null; channelId: string | null; threadRef: string }): Promise<Session | null> {
    const query = this.knex<SessionRow>('sessions').where({ platform: place.platform, workspace_id: place.workspaceId, thread_ref: place.threadRef });
    if (place.channelId !== null) void query.where({ channel_id: place.channelId });
    const row = await query.orderBy('created_at', 'desc').first();
    return row ? toSession(row) : null;
  }

  /** Sessions stuck in a status since before `olderThan` (e.g. UPLOADING after a bot died). */
  async listStale(status: SessionStatus, olderThan: Date): Promise<Session[]> {
    const rows = await this.knex<SessionRow>('sessions').where({ status }).andWhere('updated_at', '<', olderThan);
    return rows.map(toSession);
  }

  /**
   * Claims the posting of a session's results: true for exactly one caller. A bot that fails to post
   * releases the claim so another attempt can take it.
   */
  async claimResultsPost(id: string): Promise<boolean> {
    const n = await this.knex('sessions').where({ id }).whereNull('results_posted_at').update({ results_posted_at: this.knex.fn.now() });
    return n > 0;
  }

  async releaseResultsPost(id: string): Promise<void> {
    await this.knex('sessions').where({ id }).update({ results_posted_at: null });
  }

  /** Platform references of the messages that show the results (re-rendered when a todo changes). */
  async setResultsMessages(id: string, refs: string[]): Promise<void> {
    await this.knex('sessions').where({ id }).update({ results_message_refs: JSON.stringify(refs) });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.knex('sessions').where({ id }).delete()) > 0;
  }
}
