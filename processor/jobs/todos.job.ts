import { refPath, type StorageLayout } from '../../core/domain/storage-layout.js';
import { buildDocuments, type MeetingNotes } from '../../core/domain/todos.js';
import { storedTranscriptSchema } from '../../core/domain/transcript.js';
import { AppError } from '../../core/errors.js';
import type { JobHandler } from '../../core/queue/job-queue.js';
import type { ObjectStore } from '../../core/storage/object-store.js';
import type { TodoGenerator } from '../engines/todo-generator.js';
import { runSessionJob, type SessionJobDeps } from './session-job.js';

export interface TodosJobDeps extends SessionJobDeps {
  store: ObjectStore;
  layout: StorageLayout;
  generator: TodoGenerator;
  /** The zone due dates are read in when the session has none of its own (DEFAULT_TIME_ZONE). */
  defaultTimeZone: string;
  now?: () => Date;
}

const NO_SPEECH: MeetingNotes = {
  summary: 'No speech was detected in this recording.',
  keyPoints: [],
  decisions: [],
  todos: [],
  estimatedTime: null,
};

/** `todos` queue: transcript.json → LLM → summary.json + todos.json → COMPLETED. */
export function todosJob(deps: TodosJobDeps): JobHandler {
  const { store, layout, sessions, progress, generator } = deps;
  return (job, ctx) =>
    runSessionJob(deps, 'todos', job, ctx, async (session, stages, signal) => {
      const id = session.id;
      const todosRef = layout.todos(id);
      const summaryRef = layout.summary(id);
      // todos.json is written last, so its presence means this stage finished before a redelivery.
      if (!(await store.exists(todosRef))) {
        await stages.enter('todos');
        const raw = await store.getJson(layout.transcript(id));
        if (raw === null) throw new AppError('INTERNAL', 'The transcript of this session is missing; please submit the recording again.');
        const transcript = storedTranscriptSchema.parse(raw);
        const tracker = progress.begin(id, 'PROCESSING', 'todos', 'Writing the summary and todos');
        const notes =
          transcript.segments.length === 0
            ? NO_SPEECH
            : await generator.generate({ sessionId: session.id, transcript, onProgress: (p, message) => tracker.update(p / 100, message), signal });
        await tracker.flush();
        // The session starts as the recording is sent: the closest to the meeting's own date that is stored.
        const meeting = { at: session.createdAt, timeZone: session.timeZone ?? deps.defaultTimeZone };
        const docs = buildDocuments(id, notes, (deps.now ?? (() => new Date()))(), meeting);
        await stages.ensureActive();
        await store.putJson(summaryRef, docs.summary);
        await store.putJson(todosRef, docs.todos);
      }
      const done = await sessions.transition(id, ['PROCESSING'], {
        status: 'COMPLETED',
        stage: 'done',
        percent: 100,
        todosPath: refPath(todosRef),
        summaryPath: refPath(summaryRef),
        errorCode: null,
        errorMessage: null,
      });
      if (done) await progress.report(id, 'COMPLETED', 'done', 1, 'Done');
    });
}
