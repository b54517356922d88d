import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { createCore, type Core } from '../../core/app.js';
import { loadConfig, type Config } from '../../core/config.js';
import { progressEventSchema, type ProgressEvent } from '../../core/domain/progress.js';
import { createLogger } from '../../core/logger.js';
import { progressNames } from '../../core/progress/redis.progress-bus.js';
import { deleteTopology } from '../../core/queue/topology.js';
import { createEngines } from '../../processor/engines/index.js';
import { startProcessor, type RunningProcessor } from '../../processor/processor.js';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai-fake.js';
import { DEFAULT_SCRIPT, startWhisperxFake, type WhisperxFake } from '../fakes/whisperx-fake.js';
import { testEnv } from './config.js';
import { makeSpeechVideo, tempDir, type MediaDir } from './media.js';
import { startS3, type TestS3 } from './s3-server.js';

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
  close(): Promise<void>;
}

export async function startPipelineHarness(env: Record<string, string> = {}): Promise<PipelineHarness> {
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
  const log = createLogger(config.logLevel);
  const core = await createCore(config, log);
  const processor = await startProcessor(core, createEngines(config, log));
  const redis = new Redis(config.redis.url);

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
    async progressOf(sessionId) {
      const entries = await redis.xrange(progressNames(config.redis.keyPrefix).stream, '-', '+');
      return entries.map(([, fields]) => progressEventSchema.parse(JSON.parse(fields[1]!))).filter((e) => e.sessionId === sessionId);
    },
    async close() {
      await processor.stop();
      const conn = await connect(config.amqp.url);
      await deleteTopology(await conn.createChannel(), config.amqp);
      await conn.close();
      const keys = await redis.keys(`${config.redis.keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await core.close();
      await Promise.all([s3.close(), whisperx.close(), openai.close()]);
      await media.cleanup();
    },
  };
}
