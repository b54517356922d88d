import type { JobMessage } from '../../core/domain/job.js';
import type { Session } from '../../core/domain/session.js';
import { refPath } from '../../core/domain/storage-layout.js';
import { buildDocuments, type MeetingNotes, type SummaryDocument, type TodosDocument } from '../../core/domain/todos.js';
import { storedTranscriptSchema } from '../../core/domain/transcript.js';
import { AppError } from '../../core/errors.js';
import type { JobHandler } from '../../core/queue/job-queue.js';
import { REWRITING_MESSAGE } from '../../core/sessions/notes.service.js';
import { indexMeeting, type SearchIndexDeps } from '../../core/sessions/search-index.js';
import type { TodoEventBus } from '../../core/todos/todo-events.js';
import type { TodoGenerator } from '../engines/todo-generator.js';
import { replaceNotes, type ReplaceNotesDeps } from './replace-notes.js';
import { runSessionJob, type SessionJobDeps, type StageMarker } from './session-job.js';

export interface TodosJobDeps extends SessionJobDeps, ReplaceNotesDeps, SearchIndexDeps {
  generator: TodoGenerator;
  /** A regeneration is announced on the todo events: chat messages and pages showing the notes re-render. */
  events: TodoEventBus;
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

type Regeneration = NonNullable<JobMessage['notes']>;

const clock = (deps: TodosJobDeps) => deps.now?.() ?? new Date();

/**
 * `todos` queue: transcript.json → LLM → summary.json + todos.json → COMPLETED. A job carrying `notes`
 * regenerates notes already written, as a new version (docs/architecture.md#regenerating-the-notes).
 */
export function todosJob(deps: TodosJobDeps): JobHandler {
  const { store, layout, sessions, progress, log } = deps;
  return (job, ctx) =>
    runSessionJob(deps, 'todos', job, ctx, async (session, stages, signal) => {
      const id = session.id;
      const todosRef = layout.todos(id);
      const summaryRef = layout.summary(id);
      // A copy redelivered after its version was stored only completes, as a first job finding todos.json does.
      const regeneration = job.notes !== null && session.notesVersion < job.notes.version ? job.notes : null;
      if (regeneration) {
        const fresh = await writeNotes(deps, session, stages, signal, regeneration);
        await stages.ensureActive();
        await replaceNotes(deps, id, fresh, { version: session.notesVersion + 1, instruction: regeneration.instruction, model: regeneration.model, requestedBy: regeneration.by });
      } else if (!(await store.exists(todosRef))) {
        // todos.json is written last, so its presence means this stage finished before a redelivery.
        const fresh = await writeNotes(deps, session, stages, signal, null);
        await stages.ensureActive();
        await store.putJson(summaryRef, fresh.summary);
        await store.putJson(todosRef, fresh.todos);
      }
      // Whichever way the notes came (first, regenerated, or already stored by an earlier copy), they are searched as they now stand.
      await indexMeeting(deps, id);
      const done = await sessions.transition(id, ['PROCESSING'], {
        status: 'COMPLETED',
        stage: 'done',
        percent: 100,
        todosPath: refPath(todosRef),
        summaryPath: refPath(summaryRef),
        errorCode: null,
        errorMessage: null,
      });
      if (!done) return;
      await progress.report(id, 'COMPLETED', 'done', 1, 'Done');
      if (regeneration) {
        const event = { kind: 'notes' as const, sessionId: id, version: done.notesVersion, by: regeneration.by, at: clock(deps).toISOString() };
        // The new version is stored (the truth); open pages and chat messages show it on their next render.
        await deps.events.publish(event).catch((err: unknown) => log.warn({ err, sessionId: id }, 'new notes version not announced'));
      }
    });
}

/** The LLM's notes on the stored transcript, as documents; with the person's instruction and model when regenerating. */
async function writeNotes(
  deps: TodosJobDeps,
  session: Session,
  stages: StageMarker,
  signal: AbortSignal,
  regeneration: Regeneration | null,
): Promise<{ todos: TodosDocument; summary: SummaryDocument }> {
  const { store, layout, progress, generator } = deps;
  const id = session.id;
  await stages.enter('todos');
  const raw = await store.getJson(layout.transcript(id));
  if (raw === null) throw new AppError('INTERNAL', 'The transcript of this session is missing; please submit the recording again.');
  const transcript = storedTranscriptSchema.parse(raw);
  const tracker = progress.begin(id, 'PROCESSING', 'todos', regeneration ? REWRITING_MESSAGE : 'Writing the summary and todos');
  const notes =
    transcript.segments.length === 0
      ? NO_SPEECH
      : await generator.generate({
          sessionId: id,
          transcript,
          instruction: regeneration?.instruction ?? null,
          model: regeneration?.model ?? null,
          onProgress: (p, message) => tracker.update(p / 100, message),
          signal,
        });
  await tracker.flush();
  // The session starts as the recording is sent: the closest to the meeting's own date that is stored.
  const meeting = { at: session.createdAt, timeZone: session.timeZone ?? deps.defaultTimeZone };
  return buildDocuments(id, notes, clock(deps), meeting);
}
