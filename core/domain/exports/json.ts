import type { Session } from '../session.js';
import type { MeetingExport } from './meeting.js';

/** A session as the JSON API and the JSON export show it: no internal references (user, chat, paths). */
export function publicSession(s: Session) {
  return {
    id: s.id,
    filename: s.filename,
    status: s.status,
    stage: s.stage,
    percent: s.percent,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    contentType: s.contentType,
    durationSeconds: s.durationSeconds,
    language: s.language,
    error: s.errorCode ? { code: s.errorCode, message: s.errorMessage } : null,
  };
}

/**
 * The full JSON: the session as `GET /api/sessions/:id` shows it, the documents as stored (labels kept), the
 * names given to the speakers, and the transcript.
 */
export function toJson({ session, summary, todos, speakers, transcript }: MeetingExport): string {
  return `${JSON.stringify({ session: publicSession(session), summary, todos, speakers, transcript }, null, 2)}\n`;
}
