import { isAppError, type ErrorCode } from '../core/errors.js';

/**
 * The HTTP status of each failure code, for every route (docs/architecture.md#errors): what the request or its
 * recording cannot be is the client's (4xx, mostly 422), a dependency that is down is ours and passes (503).
 */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  UNSUPPORTED_MEDIA: 415,
  CORRUPT_MEDIA: 422,
  MEDIA_TOO_LARGE: 413,
  MEDIA_TOO_LONG: 422,
  NO_AUDIO: 422,
  LINK_INVALID: 422,
  LINK_FORBIDDEN: 422,
  LINK_UNREACHABLE: 422,
  LINK_NOT_FOUND: 422,
  DOWNLOAD_TIMEOUT: 422,
  STORAGE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  TRANSCRIBER_UNAVAILABLE: 503,
  TRANSCRIPTION_FAILED: 422,
  MODEL_UNAVAILABLE: 503,
  LLM_UNAVAILABLE: 503,
  LLM_INVALID_OUTPUT: 422,
  SESSION_NOT_FOUND: 404,
  TODOS_NOT_READY: 404,
  TODO_NOT_FOUND: 404,
  TODO_INVALID: 422,
  TODO_EDIT_CONFLICT: 409,
  NOT_ALLOWED: 403,
  TRANSCRIPT_NOT_READY: 404,
  UNKNOWN_SPEAKER: 422,
  SPEAKER_NAME_TOO_LONG: 422,
  NOT_COMPLETED: 409,
  INSTRUCTION_TOO_LONG: 422,
  VERSION_NOT_FOUND: 404,
  QUESTION_INVALID: 422,
  QUERY_INVALID: 422,
  UPLOAD_INTERRUPTED: 422,
  UPLOAD_TOO_SLOW: 408,
  CANCELLED: 422,
  TOO_MANY_ACTIVE: 429,
  INTERNAL: 503,
};

/** The status for a failure code; a code this version does not know (an older row's) is the recording's: 422. */
export function statusOfCode(code: string): number {
  return Object.hasOwn(STATUS_BY_CODE, code) ? STATUS_BY_CODE[code as ErrorCode] : 422;
}

/** The status for a thrown error: fastify's own client errors keep theirs, anything not an AppError is a 500. */
export function statusOfError(err: unknown): number {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return status;
  return isAppError(err) ? statusOfCode(err.code) : 500;
}
