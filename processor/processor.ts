import type { Core } from '../core/app.js';
import { TodoChangesRepository } from '../core/db/todo-changes.repository.js';
import type { LocalModels } from '../core/models/index.js';
import type { Consumer } from '../core/queue/job-queue.js';
import { recoverInterruptedUploads, startStaleUploadReaper } from '../core/sessions/stale-uploads.js';
import type { TodoGenerator } from './engines/todo-generator.js';
import type { Transcriber } from './engines/transcriber.js';
import type { AudioExtractor } from './jobs/transcribe.job.js';
import { todosJob } from './jobs/todos.job.js';
import { transcribeJob } from './jobs/transcribe.job.js';

export interface ProcessorEngines {
  transcriber: Transcriber;
  generator: TodoGenerator;
  extractAudio: AudioExtractor;
  /** The local engines' models (none for remote engines): fetched at start, reported on /readyz. */
  models?: LocalModels;
  /** Ends what the engines run in this process (the local engines' child processes). */
  close?(): Promise<void>;
}

/** What the processor uses of the core. */
export type ProcessorDeps = Pick<Core, 'config' | 'log' | 'knex' | 'sessions' | 'jobClaims' | 'progress' | 'feed' | 'store' | 'layout' | 'queue' | 'notesVersions' | 'todos' | 'search'>;

export interface RunningProcessor {
  /** Stops consuming; jobs in hand finish or go back to the queue. */
  stop(): Promise<void>;
}

/**
 * Consumes both queues, and fails sessions whose upload was abandoned (at start, those of crashed processes). Run as many processes as the GPU
 * and the LLM endpoint can take.
 */
export async function startProcessor(deps: ProcessorDeps, engines: ProcessorEngines): Promise<RunningProcessor> {
  const { knex, sessions, jobClaims: claims, progress, feed, store, layout, queue, notesVersions, search } = deps;
  const log = deps.log.child({ component: 'processor' });
  const consumers: Consumer[] = [
    await queue.consume('transcribe', transcribeJob({ sessions, claims, progress, feed, log, store, layout, queue, ...engines })),
    await queue.consume(
      'todos',
      todosJob({ sessions, claims, progress, feed, log, knex, store, layout, notesVersions, search, changes: new TodoChangesRepository(knex), events: deps.todos.events, generator: engines.generator, defaultTimeZone: deps.config.defaultTimeZone }),
    ),
  ];
  // Fetching a model can take minutes: started now, the first recording waits only for what is left of it.
  engines.models?.speech?.prefetch();
  engines.models?.llm?.prefetch();
  // Uploads cut short by a crash hold their person's slot and leave temporary files: cleared now, not in an hour.
  await recoverInterruptedUploads({ sessions, progress, log, store, layout }, new Date(performance.timeOrigin)).catch((err: unknown) =>
    log.warn({ err }, 'could not recover interrupted uploads'),
  );
  const reaper = startStaleUploadReaper({ sessions, progress, log }, deps.config.ingest.uploadTimeoutMs);
  return {
    stop: async () => {
      await Promise.all([reaper.stop(), ...consumers.map((c) => c.stop())]);
      await engines.close?.();
    },
  };
}
