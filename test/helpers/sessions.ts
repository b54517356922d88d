import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Core } from '../../core/app.js';
import type { ChatUser } from '../../core/domain/chat-user.js';
import type { ChatOrigin, Session } from '../../core/domain/session.js';
import { refPath } from '../../core/domain/storage-layout.js';
import { buildDocuments, type MeetingNotes } from '../../core/domain/todos.js';
import type { StoredTranscript } from '../../core/domain/transcript.js';
import { indexMeeting } from '../../core/sessions/search-index.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';

const CLI_ORIGIN: ChatOrigin = { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null };

/** A session as an upload opens it: UPLOADING, nothing stored yet. */
export function uploadingSession(core: Core, userId: string, { filename = 'weekly-sync.mp4', origin = CLI_ORIGIN } = {}): Promise<Session> {
  return core.sessions.create({ id: randomUUID(), userId, filename, origin, sourceKind: 'upload', options: DEFAULT_OPTIONS });
}

/** Stores `video` (an MP4) as the session's original and moves the session to PROCESSING, as a finished upload does. */
export async function storeOriginal(core: Core, sessionId: string, video: string, durationSeconds: number): Promise<Session> {
  const ref = core.layout.original(sessionId, 'mp4');
  await core.store.upload(ref, createReadStream(video), { contentType: 'video/mp4' });
  const session = await core.sessions.transition(sessionId, ['UPLOADING'], {
    status: 'PROCESSING',
    stage: 'queued',
    videoPath: refPath(ref),
    contentType: 'video/mp4',
    durationSeconds,
  });
  return session!;
}

/** Stores a meeting's transcript, then its summary and todos from `notes`, and indexes them for search, as the processor's two jobs do. */
export async function storeNotes(core: Core, sessionId: string, notes: MeetingNotes, transcript: StoredTranscript): Promise<void> {
  const docs = buildDocuments(sessionId, notes, new Date());
  await core.store.putJson(core.layout.transcript(sessionId), transcript);
  await core.store.putJson(core.layout.summary(sessionId), docs.summary);
  await core.store.putJson(core.layout.todos(sessionId), docs.todos);
  await indexMeeting(core, sessionId);
}

export interface HeldSessions {
  /** Cancels the held sessions, freeing the person's places. */
  release(): Promise<void>;
}

/** `count` sessions of one person left uploading, as slow uploads leave them: they count towards the person's limit. */
export async function holdSessions(core: Core, userId: string, origin: ChatOrigin, count: number): Promise<HeldSessions> {
  const held = await Promise.all(Array.from({ length: count }, (_, i) => uploadingSession(core, userId, { filename: `held-${i}.mp4`, origin })));
  return {
    async release() {
      for (const s of held) await core.sessions.transition(s.id, ['UPLOADING'], { status: 'CANCELLED' });
    },
  };
}

/** A completed session started in a chat thread, as a chat platform reads it (no database row behind it). */
export function completedChatSession(id: string, origin: ChatOrigin): Session {
  const at = new Date();
  return {
    id, userId: randomUUID(), filename: 'standup.mp4', title: null, status: 'COMPLETED', stage: 'done', percent: 100, createdAt: at, updatedAt: at,
    videoPath: null, transcriptPath: null, todosPath: null, summaryPath: null, origin, sourceKind: 'upload', uploader: null, timeZone: null,
    sizeBytes: null, contentType: null, durationSeconds: null, language: null, options: DEFAULT_OPTIONS, errorCode: null, errorMessage: null,
    attempts: 1, notesVersion: 1, resultsMessageRefs: [],
  };
}

/** A person's sessions, newest first, as the CLI and the tests read them (the core's list, by the person). */
export async function sessionsOf(core: Pick<Core, 'users' | 'sessions'>, user: ChatUser, limit = 10): Promise<Session[]> {
  return core.sessions.list({ userId: await core.users.resolve(user), limit });
}
