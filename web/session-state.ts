import { stageLabel } from '../core/domain/progress-text.js';
import type { Core } from '../core/app.js';
import type { ProgressEvent } from '../core/domain/progress.js';
import { isFinal, type Session } from '../core/domain/session.js';
import { parseRefPath } from '../core/domain/storage-layout.js';
import { ERROR_CODES, type ErrorCode } from '../core/errors.js';
import type { Question } from '../core/domain/question.js';
import type { SessionResults } from '../core/sessions/session.service.js';

export interface Media {
  /** Where the browser streams the original with range requests (Core.mediaLinks). */
  url: string;
  kind: 'video' | 'audio';
}

/** Everything the page and the JSON API show of one session. */
export interface SessionState {
  session: Session;
  progress: ProgressEvent;
  /** The stored outputs, once the session is COMPLETED. */
  results: SessionResults | null;
  media: Media | null;
  /** Questions asked about the meeting and their answers, oldest first (docs/architecture.md#questions). */
  questions: Question[];
  /** The moment "overdue" is judged at; the clock when absent (tests set it). */
  now?: Date;
}

const isErrorCode = (code: string): code is ErrorCode => (ERROR_CODES as readonly string[]).includes(code);

/**
 * The state to show: the newest progress event, unless the row has reached a final state the event does not
 * say (the event expired after 24 h, or its publish failed: progress is a view, the row is the record). The
 * stand-in event comes after the newest one, so a reconnecting viewer that saw that one still gets it.
 */
export function currentProgress(session: Session, latest: ProgressEvent | null): ProgressEvent {
  if (latest && (!isFinal(session.status) || isFinal(latest.status))) return latest;
  const code = session.errorCode;
  return {
    sessionId: session.id,
    seq: latest ? latest.seq + 1 : 0,
    status: session.status,
    stage: session.stage,
    percent: session.status === 'COMPLETED' ? 100 : session.percent,
    message: session.errorMessage ?? stageLabel(session.stage, session.sourceKind),
    etaSeconds: null,
    at: session.updatedAt.toISOString(),
    error: code ? { code: isErrorCode(code) ? code : 'INTERNAL', message: session.errorMessage ?? '' } : null,
  };
}

/** Reads what a session's page shows. */
export class SessionStates {
  constructor(private readonly deps: Pick<Core, 'sessionService' | 'bus' | 'mediaLinks' | 'questions'>) {}

  /** `version` reads an earlier version of the notes (VERSION_NOT_FOUND when the session has none such); the current one when absent. */
  async load(id: string, version?: number): Promise<SessionState | null> {
    const { sessionService, bus } = this.deps;
    const [session, latest] = await Promise.all([sessionService.get(id), bus.latest(id)]);
    if (!session) return null;
    const [results, media, questions] = await Promise.all([
      session.status === 'COMPLETED' ? sessionService.results(id, version) : null,
      this.media(session),
      this.deps.questions.list(id),
    ]);
    return { session, progress: currentProgress(session, latest), results, media, questions };
  }

  private async media(session: Session): Promise<Media | null> {
    if (!session.videoPath) return null;
    const url = await this.deps.mediaLinks.recording(session.id, parseRefPath(session.videoPath));
    return { url, kind: session.contentType?.startsWith('audio/') ? 'audio' : 'video' };
  }
}
