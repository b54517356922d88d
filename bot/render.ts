import type { ProgressEvent } from '../core/domain/progress.js';
import { formatEta, stageLabel } from '../core/domain/progress-text.js';
import type { Session } from '../core/domain/session.js';
import type { ShownDue, Todo } from '../core/domain/todos.js';
import type { AppError } from '../core/errors.js';
import type { StatusView } from './chat-platform.js';

/** The status to show: the newest progress event when there is one, else what the row says. */
export function statusView(session: Session, event: ProgressEvent | null, link: string | null): StatusView {
  const status = event?.status ?? session.status;
  return {
    title: session.filename ?? 'Recording',
    status,
    stage: event?.stage ?? session.stage,
    sourceKind: session.sourceKind,
    percent: event?.percent ?? session.percent,
    message: event?.message ?? stageLabel(session.stage, session.sourceKind),
    etaSeconds: event?.etaSeconds ?? null,
    error: event?.error ?? (session.errorCode ? { code: session.errorCode, message: session.errorMessage ?? '' } : null),
    link,
    retry: status === 'FAILED' && session.videoPath ? session.id : null,
  };
}

/** What a new status message shows before the session exists: the recording is being received. */
export function receivingView(title: string): StatusView {
  return { title, status: 'UPLOADING', stage: 'upload', percent: 0, message: 'Receiving the recording', etaSeconds: null, error: null, link: null };
}

/** What a status message shows when the session was refused before it started (e.g. too many at once). */
export function refusedView(title: string, error: AppError): StatusView {
  return { ...receivingView(title), status: 'FAILED', error: { code: error.code, message: error.userMessage } };
}


/** `▓▓▓▓░░░░░░ 40%`: reads the same in Slack mrkdwn and Discord markdown. */
export function progressBar(percent: number, width = 10): string {
  const filled = Math.max(0, Math.min(width, Math.round((percent / 100) * width)));
  return `${'▓'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.round(percent)}%`;
}

/** One line of text per state, shared by both platforms' status messages. */
export function statusLine(view: StatusView): string {
  switch (view.status) {
    case 'COMPLETED':
      return '✅ Done: the summary and todos are below.';
    case 'FAILED':
      return `❌ ${view.error?.message ?? 'Processing failed.'}`;
    case 'CANCELLED':
      return '⏹️ Cancelled.';
    default: {
      const eta = formatEta(view.etaSeconds);
      return `${stageLabel(view.stage, view.sourceKind)}: ${view.message}${eta ? ` (${eta})` : ''}`;
    }
  }
}

const PRIORITY_MARK: Record<Todo['priority'], string> = { high: '🔴', medium: '🟡', low: '🟢' };

/**
 * A todo's detail line: priority, whether it is overdue, due date, time in the recording, assignee. The
 * deadline comes first: platforms clip this line (Slack at 75 characters) and it matters most.
 */
export function todoDetails(todo: Todo, due: ShownDue | null): string {
  const parts = [`${PRIORITY_MARK[todo.priority]} ${todo.priority}`];
  if (due?.overdue) parts.push('⚠️ overdue');
  if (due) parts.push(`📅 ${due.text}`);
  if (todo.timestamp) parts.push(`⏱ ${todo.timestamp}`);
  if (todo.assignee) parts.push(`👤 ${todo.assignee}`);
  return parts.join(' · ');
}
