import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createCore, type Core } from '../../core/app.js';
import type { Config } from '../../core/config.js';
import type { ChatOrigin, Session } from '../../core/domain/session.js';
import { refPath } from '../../core/domain/storage-layout.js';
import type { MeetingNotes } from '../../core/domain/todos.js';
import type { StoredTranscript } from '../../core/domain/transcript.js';
import { signSessionToken } from '../../core/links.js';
import { createLogger } from '../../core/logger.js';
import { buildWebApp, type WebOptions } from '../../web/app.js';
import { testConfig } from '../helpers/config.js';
import { makeToneVideo, tempDir } from '../helpers/media.js';
import { startS3 } from '../helpers/s3-server.js';
import { removeQueuesAndKeys } from '../helpers/cleanup.js';
import { storeNotes, storeOriginal, uploadingSession } from '../helpers/sessions.js';

/** What the LLM "wrote" for a fixture meeting; tests override parts (e.g. with markup). */
export const NOTES: MeetingNotes = {
  summary: 'The team agreed to ship the release on Friday after the last fixes.',
  keyPoints: ['Release on Friday', 'Two bugs left'],
  decisions: ['Anna owns the release notes'],
  todos: [
    { task: 'Write the release notes', priority: 'high', context: 'Needed before Friday', assignee: 'SPEAKER_00', due: 'Friday', segments: [0], timestamp: '00:00:00' },
    { task: 'Fix the login bug', priority: 'medium', context: 'Reported twice this week', assignee: 'SPEAKER_01', due: null, segments: [1], timestamp: '00:00:02' },
    { task: 'Book the retro room', priority: 'low', context: '', assignee: null, due: null, segments: [2], timestamp: '00:00:03' },
  ],
  estimatedTime: '2 hours',
};

export function transcriptFor(sessionId: string, lines: Array<[speaker: string | undefined, start: number, text: string]>): StoredTranscript {
  const segments = lines.map(([speaker, start, text], id) => ({ id, start, end: start + 1, text, words: [], ...(speaker ? { speaker } : {}) }));
  return { session_id: sessionId, generated_at: new Date().toISOString(), engine: 'whisperx', model: null, duration: 4, language: 'en', segments, word_segments: [] };
}

export const LINES: Array<[string | undefined, number, string]> = [
  ['SPEAKER_00', 0, 'Anna, can you write the release notes before Friday?'],
  ['SPEAKER_01', 2, 'Sure. I will also fix the login bug.'],
  [undefined, 3.5, 'Someone should book the retro room.'],
];

/** A COMPLETED session of this meeting without a web server (the CLI's tests): transcript, summary and todos stored. */
export async function completedSession(core: Core, userId: string, notes: MeetingNotes = NOTES, origin?: ChatOrigin): Promise<Session> {
  const { id } = await uploadingSession(core, userId, { origin });
  await storeNotes(core, id, notes, transcriptFor(id, LINES));
  const session = await core.sessions.transition(id, ['UPLOADING'], { status: 'COMPLETED', stage: 'done', percent: 100, transcriptPath: refPath(core.layout.transcript(id)) });
  return session!;
}

export interface WebFixture {
  config: Config;
  core: Core;
  /** http://127.0.0.1:port of the listening app. */
  base: string;
  /** Where the S3 server keeps objects and multipart parts. */
  s3Directory: string;
  redis: Redis;
  token(sessionId: string): string;
  /** A session in PROCESSING whose original (a 4 s MP4) is in storage. */
  processingSession(): Promise<Session>;
  /** Stores the outputs, marks the row COMPLETED and publishes the final event, as the processor does. */
  complete(sessionId: string, notes?: MeetingNotes, lines?: typeof LINES): Promise<void>;
  close(): Promise<void>;
}

/** The web app over real Postgres, Redis and RabbitMQ (prefixed), an S3 server, listening on 127.0.0.1. */
export async function startWebFixture(options: Partial<WebOptions> = {}, env: Record<string, string> = {}): Promise<WebFixture> {
  const [s3, media] = await Promise.all([startS3(), tempDir('wn-web-')]);
  const video = await makeToneVideo(media.dir, 4);
  // One person owns every session of the fixture and its tests leave many processing: the limit of active
  // sessions (which retries and regenerations count) is tested where a test sets it.
  const config = testConfig({ S3_ENDPOINT: s3.endpoint, MAX_ACTIVE_SESSIONS_PER_USER: '1000', ...env });
  const log = createLogger(config.logLevel);
  const core = await createCore(config, log);
  const linkSecret = config.web.linkSecret!;
  const app = buildWebApp(core, { linkSecret, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const redis = new Redis(config.redis.url);
  const userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: `web-test-${randomUUID()}` });

  return {
    config,
    core,
    base,
    s3Directory: s3.directory,
    redis,
    token: (id) => signSessionToken(id, linkSecret),
    async processingSession() {
      const { id } = await uploadingSession(core, userId);
      const session = await storeOriginal(core, id, video, 4);
      await core.progress.report(id, 'PROCESSING', 'queued', 0, 'Waiting for a processor');
      return session;
    },
    async complete(id, notes = NOTES, lines = LINES) {
      await storeNotes(core, id, notes, transcriptFor(id, lines));
      await core.sessions.transition(id, ['PROCESSING'], {
        status: 'COMPLETED',
        stage: 'done',
        percent: 100,
        transcriptPath: refPath(core.layout.transcript(id)),
        todosPath: refPath(core.layout.todos(id)),
      });
      await core.progress.report(id, 'COMPLETED', 'done', 1, 'Done');
    },
    async close() {
      await app.close();
      await removeQueuesAndKeys(config, redis);
      redis.disconnect();
      await core.close();
      await Promise.all([s3.close(), media.cleanup()]);
    },
  };
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: SseEvent[];
  comments: string[];
  /** Settles when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A minimal EventSource over node:http, keeping everything it receives for assertions. */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event: SseEvent = { data: '' };
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            const m = /^(id|event|data): ?(.*)$/.exec(line);
            if (!m) continue;
            isEvent = true;
            if (m[1] === 'data') event.data += m[2];
            else event[m[1] as 'id' | 'event'] = m[2];
          }
          if (isEvent) events.push(event);
        }
      });
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({ status: res.statusCode ?? 0, headers: res.headers, events, comments, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}
