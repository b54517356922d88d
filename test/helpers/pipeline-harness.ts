import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { connect } from 'amqplib';
import type { ChatUser } from '../../core/domain/chat-user.js';
import { jobMessageSchema, QUEUES, type QueueName } from '../../core/domain/job.js';
import { isFinal, type ChatOrigin, type Session } from '../../core/domain/session.js';
import { refPath } from '../../core/domain/storage-layout.js';
import { topologyNames } from '../../core/queue/topology.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';
import { until } from './until.js';
import { Redis } from 'ioredis';
import { createCore, type Core } from '../../core/app.js';
import { loadConfig, type Config } from '../../core/config.js';
import { progressEventSchema, type ProgressEvent } from '../../core/domain/progress.js';
import { createLogger, type DestinationStream } from '../../core/logger.js';
import { progressNames } from '../../core/progress/redis.progress-bus.js';
import { createEngines } from '../../processor/engines/index.js';
import { startProcessor, type RunningProcessor } from '../../processor/processor.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-fake.js';
import { DEFAULT_SCRIPT, startWhisperxFake, type WhisperxFake } from '../fakes/whisperx-fake.js';
import { testEnv } from './config.js';
import { makeSpeechVideo, tempDir, type MediaDir } from './media.js';
import { startS3, type TestS3 } from './s3-server.js';
import { removeQueuesAndKeys } from './cleanup.js';
import { parseJsonAs } from '../../core/json.js';

export interface DeadLetter {
  queue: QueueName;
  body: string;
  sessionId: string | null;
  reason: unknown;
}

const CLI_ORIGIN: ChatOrigin = { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null };

/**
 * The whole pipeline in one test process: the real Postgres, Redis and RabbitMQ of the machine (isolated by
 * prefixes), an S3 server, the WhisperX and OpenAI fakes, a wired core and a running processor.
 */
export interface PipelineHarness {
  /** The environment `config` was read from, for starting real processes against the same services. */
  env: Record<string, string>;
  config: Config;
  core: Core;
  processor: RunningProcessor;
  s3: TestS3;
  whisperx: WhisperxFake;
  openai: OpenAIFake;
  media: MediaDir;
  /** A short MP4 with speech of the WhisperX fake's default script. */
  video: string;
  redis: Redis;
  /** Every progress event of a session on the `progress-events` stream, in order. */
  progressOf(sessionId: string): Promise<ProgressEvent[]>;
  /**
   * Who owns processingSession's sessions unless told: this harness's own person, so the sessions other test
   * files leave processing never count toward its limit of active sessions (a retry or regeneration checks it).
   */
  user: ChatUser;
  /** A session whose original is stored and which is PROCESSING, as ingest leaves it, without a job yet. */
  processingSession(user?: ChatUser, origin?: ChatOrigin): Promise<Session>;
  /** The session once it is COMPLETED, FAILED or CANCELLED. */
  finalState(sessionId: string, timeoutMs?: number): Promise<Session>;
  /** What lies in the dead-letter queues (read without removing it). */
  deadLetters(): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export interface PipelineHarnessOptions {
  /** Where every log line goes (stdout when absent), for tests that read the logs. */
  logDestination?: DestinationStream;
}

export async function startPipelineHarness(env: Record<string, string> = {}, options: PipelineHarnessOptions = {}): Promise<PipelineHarness> {
  const [s3, whisperx, openai, media] = await Promise.all([startS3(), startWhisperxFake(), startOpenAIFake({ apiKey: 'sk-test' }), tempDir()]);
  const video = await makeSpeechVideo(media.dir, DEFAULT_SCRIPT.map((l) => l.text).join(' '));
  const harnessEnv = testEnv({
    S3_ENDPOINT: s3.endpoint,
    TRANSCRIBER: 'whisperx',
    WHISPERX_URL: whisperx.url,
    OPENAI_BASE_URL: openai.baseURL,
    OPENAI_API_KEY: 'sk-test',
    ...env,
  });
  const config = loadConfig(harnessEnv);
  const log = createLogger(config.logLevel, undefined, options.logDestination);
  const core = await createCore(config, log);
  const processor = await startProcessor(core, await createEngines(core));
  const redis = new Redis(config.redis.url);
  const user: ChatUser = { platform: 'cli', workspaceId: `harness-${randomUUID()}`, externalId: 'tester' };

  return {
    env: harnessEnv,
    config,
    core,
    processor,
    s3,
    whisperx,
    openai,
    media,
    video,
    redis,
    user,
    async progressOf(sessionId) {
      const entries = await redis.xrange(progressNames(config.redis.keyPrefix).stream, '-', '+');
      return entries.map(([, fields]) => progressEventSchema.parse(JSON.parse(fields[1]!))).filter((e) => e.sessionId === sessionId);
    },
    async processingSession(owner = user, origin = CLI_ORIGIN) {
      const session = await core.sessions.create({
        id: randomUUID(),
        userId: await core.users.resolve(owner),
        filename: 'standup.mp4',
        origin,
        sourceKind: 'upload',
        options: DEFAULT_OPTIONS,
      });
      const ref = core.layout.original(session.id, 'mp4');
      await core.store.upload(ref, createReadStream(video), { contentType: 'video/mp4' });
      return (await core.sessions.update(session.id, { status: 'PROCESSING', stage: 'queued', videoPath: refPath(ref), durationSeconds: 6 }))!;
    },
    finalState(sessionId, timeoutMs) {
      return until(
        `session ${sessionId} to end`,
        async () => {
          const s = await core.sessions.get(sessionId);
          return s && isFinal(s.status) ? s : null;
        },
        timeoutMs,
      );
    },
    async deadLetters() {
      const conn = await connect(config.amqp.url);
      const ch = await conn.createChannel();
      const letters: DeadLetter[] = [];
      for (const queue of QUEUES) {
        const dead = topologyNames(config.amqp).queues[queue].dead;
        for (let m = await ch.get(dead, { noAck: false }); m; m = await ch.get(dead, { noAck: false })) {
          const body = m.content.toString();
          const job = parseJsonAs(jobMessageSchema, body);
          letters.push({ queue, body, sessionId: job?.sessionId ?? null, reason: m.properties.headers?.['x-dead-reason'] });
        }
      }
      await conn.close(); // unacked: the letters stay for whoever reads next
      return letters;
    },
    async close() {
      await processor.stop();
      await removeQueuesAndKeys(config, redis);
      redis.disconnect();
      await core.close();
      await Promise.all([s3.close(), whisperx.close(), openai.close()]);
      await media.cleanup();
    },
  };
}
