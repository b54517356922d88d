import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseRefPath, refPath, type StorageLayout } from '../../core/domain/storage-layout.js';
import { normaliseTranscript } from '../../core/domain/transcript.js';
import type { Session } from '../../core/domain/session.js';
import { AppError } from '../../core/errors.js';
import type { StageProgress } from '../../core/progress/progress-reporter.js';
import type { JobHandler, JobQueue } from '../../core/queue/job-queue.js';
import type { ObjectStore } from '../../core/storage/object-store.js';
import type { Transcriber, TranscribeStage } from '../engines/transcriber.js';
import { runSessionJob, type SessionJobDeps, type StageMarker } from './session-job.js';

export type AudioExtractor = (
  input: string,
  outPath: string,
  opts: { durationSeconds?: number; onProgress?: (fraction: number) => void; signal?: AbortSignal },
) => Promise<{ durationSeconds: number }>;

export interface TranscribeJobDeps extends SessionJobDeps {
  store: ObjectStore;
  layout: StorageLayout;
  queue: JobQueue;
  transcriber: Transcriber;
  extractAudio: AudioExtractor;
  now?: () => Date;
}

const STAGE_MESSAGES: Record<TranscribeStage, string> = {
  transcribe: 'Transcribing',
  align: 'Aligning words to the audio',
  diarize: 'Telling speakers apart',
};

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;

/** `transcribe` queue: original → 16 kHz mono audio → transcriber → transcript.json → `todos` job. */
export function transcribeJob(deps: TranscribeJobDeps): JobHandler {
  return (job, ctx) =>
    runSessionJob(deps, 'transcribe', job, ctx, async (session, stages, signal) => {
      const transcriptRef = deps.layout.transcript(session.id);
      // A redelivered job resumes: the transcript is only written once complete.
      if (!(await deps.store.exists(transcriptRef))) {
        await transcribe(deps, session, job.options, stages, signal);
      }
      await deps.queue.publish('todos', job);
      await deps.progress.report(session.id, 'PROCESSING', 'todos', 0, 'Transcript ready; writing the summary and todos');
    });
}

async function transcribe(
  deps: TranscribeJobDeps,
  session: Session,
  options: Session['options'],
  stages: StageMarker,
  signal: AbortSignal,
): Promise<void> {
  const { store, layout, sessions, progress, transcriber } = deps;
  if (!session.videoPath) throw new AppError('INTERNAL', 'The recording for this session is missing.');
  const id = session.id;

  const dir = await mkdtemp(path.join(os.tmpdir(), `wn-${id}-`));
  try {
    await stages.enter('audio');
    const audio = progress.begin(id, 'PROCESSING', 'audio', 'Extracting the audio');
    const audioPath = path.join(dir, 'audio.flac');
    const source = await store.presignGet(parseRefPath(session.videoPath), 3600);
    const { durationSeconds } = await deps.extractAudio(source, audioPath, {
      durationSeconds: session.durationSeconds ?? undefined,
      onProgress: (f) => audio.update(f),
      signal,
    });
    await audio.flush();

    // The engine moves through transcribe → align → diarize; each gets its own stage and progress.
    const trackers = new Map<TranscribeStage, StageProgress>();
    let transitions = Promise.resolve();
    const tracker = (stage: TranscribeStage) => {
      let t = trackers.get(stage);
      if (!t) {
        t = progress.begin(id, 'PROCESSING', stage, STAGE_MESSAGES[stage]);
        trackers.set(stage, t);
        transitions = transitions.then(() => stages.enter(stage));
        // A cancellation found here aborts the transcriber at once; the rejection itself is awaited below.
        transitions.catch(() => {});
      }
      return t;
    };
    tracker('transcribe');
    // Recorded before the engine is called, so a failure to reach it is reported at this stage.
    await transitions;
    const raw = await transcriber.transcribe({
      sessionId: session.id,
      audioPath,
      durationSeconds,
      options,
      signal,
      onProgress: (stage, percent, engineMessage) => {
        const message =
          engineMessage ??
          (stage === 'transcribe' ? `Transcribing (${clock((durationSeconds * percent) / 100)} of ${clock(durationSeconds)})` : undefined);
        tracker(stage).update(percent / 100, message);
      },
    });
    await transitions;
    await Promise.all([...trackers.values()].map((t) => t.flush()));

    const transcript = normaliseTranscript(raw, {
      sessionId: id,
      engine: transcriber.engine,
      model: options.model ?? transcriber.model,
      duration: durationSeconds,
      language: options.language,
      speakerNote: transcriber.speakerNote,
      now: (deps.now ?? (() => new Date()))(),
    });
    const ref = layout.transcript(id);
    await stages.ensureActive();
    await store.putJson(ref, transcript);
    await sessions.update(id, { transcriptPath: refPath(ref), language: transcript.language, durationSeconds });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
