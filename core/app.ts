import type { Config } from './config.js';
import { createKnex, type Knex } from './db/knex.js';
import { SessionsRepository } from './db/sessions.repository.js';
import { UsersRepository } from './db/users.repository.js';
import { storageLayout, type StorageLayout } from './domain/storage-layout.js';
import { IngestService, type MediaProbe } from './ingest/ingest.service.js';
import { createSafeFetcher } from './ingest/safe-fetch.js';
import type { Logger } from './logger.js';
import { probeMedia } from './media/ffmpeg.js';
import type { ProgressBus, ProgressFeed } from './progress/progress-bus.js';
import type { ChannelFeed } from './progress/redis.progress-bus.js';
import { ProgressReporter } from './progress/progress-reporter.js';
import { RedisProgressBus, RedisProgressFeed } from './progress/redis.progress-bus.js';
import type { JobQueue } from './queue/job-queue.js';
import { RabbitJobQueue } from './queue/rabbitmq.job-queue.js';
import { SessionService } from './sessions/session.service.js';
import type { ObjectStore } from './storage/object-store.js';
import { S3ObjectStore } from './storage/s3.object-store.js';
import { createTodos, type Todos } from './todos/index.js';

/** Every adapter a process needs, wired once from the configuration. */
export interface Core {
  config: Config;
  log: Logger;
  knex: Knex;
  sessions: SessionsRepository;
  users: UsersRepository;
  store: ObjectStore;
  layout: StorageLayout;
  queue: JobQueue;
  bus: ProgressBus;
  /** The process's one subscriber connection: progress channels and any other channel (todo events). */
  feed: ProgressFeed & ChannelFeed;
  progress: ProgressReporter;
  todos: Todos;
  sessionService: SessionService;
  /** Named dependency checks for /readyz. */
  readiness: Record<string, () => Promise<void>>;
  close(): Promise<void>;
}

export async function createCore(config: Config, log: Logger, overrides: { probe?: MediaProbe } = {}): Promise<Core> {
  const knex = createKnex(config.databaseUrl);
  const sessions = new SessionsRepository(knex);
  const users = new UsersRepository(knex);
  const store = new S3ObjectStore(config.s3);
  await store.ensureBuckets();
  const layout = storageLayout(config.s3.buckets);
  const queue = await RabbitJobQueue.connect(config.amqp, log.child({ component: 'queue' }));
  const bus = new RedisProgressBus(config.redis, log.child({ component: 'progress' }));
  const feed = new RedisProgressFeed(config.redis, log.child({ component: 'progress-feed' }));
  const progress = new ProgressReporter(bus, log);
  const fetcher = createSafeFetcher({ allowAddresses: config.ingest.allowAddresses, timeoutMs: config.ingest.fetchTimeoutMs });
  const ingest = new IngestService({
    store,
    layout,
    fetcher,
    probe: overrides.probe ?? ((url) => probeMedia(url)),
    maxMediaBytes: config.ingest.maxMediaBytes,
    log,
  });
  const sessionService = new SessionService({ sessions, users, ingest, queue, store, layout, bus, progress, log });
  const todos = createTodos({ redis: config.redis, knex, sessions, store, layout, channels: feed, log });

  return {
    config,
    log,
    knex,
    sessions,
    users,
    store,
    layout,
    queue,
    bus,
    feed,
    progress,
    todos,
    sessionService,
    readiness: {
      postgres: async () => void (await knex.raw('select 1')),
      storage: () => store.ping(),
      queue: () => queue.ping(),
      redis: () => bus.ping(),
    },
    async close() {
      await Promise.allSettled([queue.close(), bus.close(), feed.close(), todos.close(), knex.destroy()]);
    },
  };
}
