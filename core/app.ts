import type { Config } from './config.js';
import { ChatEventClaims } from './db/chat-event-claims.repository.js';
import { openDatabase } from './db/database.js';
import { JobClaims } from './db/job-claims.repository.js';
import { MemberNamesRepository } from './db/member-names.repository.js';
import type { Knex } from './db/knex.js';
import { SearchRepository } from './db/search.repository.js';
import { SessionsRepository } from './db/sessions.repository.js';
import { NotesVersionsRepository } from './db/notes-versions.repository.js';
import { QuestionsRepository } from './db/questions.repository.js';
import { SpeakerNamesRepository } from './db/speaker-names.repository.js';
import { UsersRepository } from './db/users.repository.js';
import type { ProgressEvent } from './domain/progress.js';
import { storageLayout, type StorageLayout } from './domain/storage-layout.js';
import { IngestService, type MediaProbe } from './ingest/ingest.service.js';
import { createSafeFetcher } from './ingest/safe-fetch.js';
import type { Logger } from './logger.js';
import { probeMedia } from './media/ffmpeg.js';
import { createProgress, type EventStream, type ProgressBus, type ProgressFeed } from './progress/index.js';
import { ProgressReporter } from './progress/progress-reporter.js';
import { engineChoices } from './engines.js';
import { ensureDataDir } from './data-dir.js';
import { connectJobQueue } from './queue/index.js';
import type { JobQueue } from './queue/job-queue.js';
import { NotesService } from './sessions/notes.service.js';
import { QuestionsService } from './sessions/questions.service.js';
import { SessionService } from './sessions/session.service.js';
import { SpeakersService } from './sessions/speakers.service.js';
import type { MediaLinks } from './storage/media-links.js';
import type { ObjectStore } from './storage/object-store.js';
import { createMediaLinks, createObjectStore } from './storage/index.js';
import { createTodos, type TodoEvent, type Todos } from './todos/index.js';
import { LlamaCppMeetingAnswerer } from '../processor/engines/local/llama-cpp.meeting-answerer.js';
import { createLocalEngines, type LocalEngines } from '../processor/engines/local/local-engines.js';
import type { MeetingAnswerer } from '../processor/engines/meeting-answerer.js';
import { OpenAIMeetingAnswerer } from '../processor/engines/openai.meeting-answerer.js';

/** The two streams the bots read: progress edits status messages, todo ticks re-render results. */
export interface EventStreams {
  progress: EventStream<ProgressEvent>;
  todos: EventStream<TodoEvent>;
}

/** Every adapter a process needs, wired once from the configuration. */
export interface Core {
  config: Config;
  log: Logger;
  knex: Knex;
  sessions: SessionsRepository;
  users: UsersRepository;
  /** Chat deliveries acted on once, whichever bot process receives them. */
  chatEventClaims: ChatEventClaims;
  /** Which processor works on a session's job; a redelivered copy waits for the lease. */
  jobClaims: JobClaims;
  store: ObjectStore;
  /** How browsers reach the stored recordings (the status page's player). */
  mediaLinks: MediaLinks;
  layout: StorageLayout;
  queue: JobQueue;
  bus: ProgressBus;
  /** The process's one subscriber: live progress (todo events ride it too, see `todos.feed`). */
  feed: ProgressFeed;
  /** The streams the bots read in their consumer group. */
  streams: EventStreams;
  progress: ProgressReporter;
  todos: Todos;
  sessionService: SessionService;
  /** Naming speakers (the page, the CLI, chat); names are announced on the todo events. */
  speakers: SpeakersService;
  /** Regenerating notes (the page, the CLI, chat); the processor writes the new version. */
  notes: NotesService;
  /** How each regenerated version of the notes was asked for (the processor records them). */
  notesVersions: NotesVersionsRepository;
  /** Questions about a meeting (the page, chat), answered by the LLM from this process. */
  questions: QuestionsService;
  /** The full-text index of meetings: the processor fills it, SessionService.search reads it. */
  search: SearchRepository;
  /** The local AI engines' models, turns and llama.cpp process: the questions and the processor's notes share them. */
  local: LocalEngines;
  /** Named dependency checks for /readyz. */
  readiness: Record<string, () => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Each part on the engine the configuration names (config.engines): the distributed ones of docker-compose,
 * or the embedded ones under DATA_DIR. Nothing above this function knows which.
 */
export async function createCore(config: Config, log: Logger, overrides: { probe?: MediaProbe } = {}): Promise<Core> {
  for (const choice of engineChoices(config)) log.info(choice, `${choice.part}: ${choice.engine}`);
  // Only these two keep files there; the job table and the progress tables live in the database.
  if (config.engines.database === 'pglite' || config.engines.objects === 'local') await ensureDataDir(config.dataDir);
  const database = await openDatabase(config, log.child({ component: 'database' }));
  const { knex } = database;
  const sessions = new SessionsRepository(knex);
  const users = new UsersRepository(knex);
  const speakerNames = new SpeakerNamesRepository(knex);
  const notesVersions = new NotesVersionsRepository(knex);
  const search = new SearchRepository(knex);
  const chatEventClaims = new ChatEventClaims(knex);
  const jobClaims = new JobClaims(knex);
  const store = createObjectStore(config);
  await store.ensureBuckets();
  const mediaLinks = createMediaLinks(config, store);
  const layout = storageLayout(config.s3.buckets);
  const queue = await connectJobQueue(config, knex, log.child({ component: 'queue' }));
  const events = createProgress(config, knex, log);
  const { bus, feed } = events;
  const progress = new ProgressReporter(bus, log);
  const fetcher = createSafeFetcher({ allowAddresses: config.ingest.allowAddresses, timeoutMs: config.ingest.fetchTimeoutMs });
  const ingest = new IngestService({
    store,
    layout,
    fetcher,
    probe: overrides.probe ?? ((url) => probeMedia(url)),
    maxMediaBytes: config.ingest.maxMediaBytes,
    maxMediaSeconds: config.ingest.maxMediaSeconds,
    log,
  });
  const todos = createTodos({ knex, sessions, store, layout, carrier: events.carrier, log });
  const sessionService = new SessionService({ sessions, users, speakerNames, notesVersions, search, ingest, queue, store, layout, bus, progress, events: todos.events, log, maxActivePerUser: config.ingest.maxActivePerUser });
  const notes = new NotesService({ sessions, queue, store, layout, progress, log: log.child({ component: 'notes' }), maxActivePerUser: config.ingest.maxActivePerUser });
  const local = createLocalEngines(config, log);
  const questions = new QuestionsService({ sessions, questions: new QuestionsRepository(knex), store, layout, answerer: meetingAnswerer(config, local, log), log: log.child({ component: 'questions' }) });
  const speakers = new SpeakersService({ sessions, names: speakerNames, members: new MemberNamesRepository(knex), store, layout, events: todos.events, log: log.child({ component: 'speakers' }) });

  return {
    config,
    log,
    knex,
    sessions,
    users,
    chatEventClaims,
    jobClaims,
    store,
    mediaLinks,
    layout,
    queue,
    bus,
    feed,
    streams: { progress: events.stream, todos: todos.stream },
    progress,
    todos,
    sessionService,
    speakers,
    notes,
    notesVersions,
    questions,
    search,
    local,
    readiness: {
      [database.engine]: async () => void (await knex.raw('select 1')),
      storage: () => store.ping(),
      queue: () => queue.ping(),
      [config.engines.progress]: () => bus.ping(),
    },
    async close() {
      // The embedded progress engine reads the database until it is closed.
      await Promise.allSettled([queue.close(), todos.close(), events.close(), local.close()]);
      await database.close();
    },
  };
}

/**
 * Questions are answered by the process that is asked (bot or web), calling the LLM directly: an answer is
 * one short request per part of the meeting, not a job to queue (docs/architecture.md#ports-and-engines).
 * The local engine runs in this process's llama.cpp child, the one the processor's notes use where it runs here.
 */
function meetingAnswerer({ llm }: Config, local: LocalEngines, log: Logger): MeetingAnswerer {
  if (llm.engine === 'openai') {
    return new OpenAIMeetingAnswerer({ baseURL: llm.baseUrl, apiKey: llm.apiKey, model: llm.model, chunkSeconds: llm.chunkSeconds }, log.child({ engine: 'llm' }));
  }
  const { model, host, settings } = local.llm!;
  return new LlamaCppMeetingAnswerer(model, host, settings, log.child({ engine: 'llama.cpp' }));
}
