/**
 * Error codes a user may see (in a thread, on the status page, in the CLI).
 * Each failure carries one of these and a sentence the user understands; logs carry the detail.
 */
export const ERROR_CODES = [
  'UNSUPPORTED_MEDIA',
  'CORRUPT_MEDIA',
  'MEDIA_TOO_LARGE',
  'MEDIA_TOO_LONG',
  'NO_AUDIO',
  'LINK_INVALID',
  'LINK_FORBIDDEN',
  'LINK_UNREACHABLE',
  'LINK_NOT_FOUND',
  'DOWNLOAD_TIMEOUT',
  'STORAGE_UNAVAILABLE',
  'QUEUE_UNAVAILABLE',
  'TRANSCRIBER_UNAVAILABLE',
  'TRANSCRIPTION_FAILED',
  'MODEL_UNAVAILABLE',
  'LLM_UNAVAILABLE',
  'LLM_INVALID_OUTPUT',
  'SESSION_NOT_FOUND',
  'TODOS_NOT_READY',
  'TODO_NOT_FOUND',
  'TODO_INVALID',
  'TODO_EDIT_CONFLICT',
  'NOT_ALLOWED',
  'TRANSCRIPT_NOT_READY',
  'UNKNOWN_SPEAKER',
  'SPEAKER_NAME_TOO_LONG',
  'NOT_COMPLETED',
  'INSTRUCTION_TOO_LONG',
  'VERSION_NOT_FOUND',
  'QUESTION_INVALID',
  'QUERY_INVALID',
  'UPLOAD_INTERRUPTED',
  'UPLOAD_TOO_SLOW',
  'CANCELLED',
  'TOO_MANY_ACTIVE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    /** Words for the user: what happened and, where it helps, what to do. */
    readonly userMessage: string,
    /** Transient failures are retried; others fail the session at once. */
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${userMessage}`, options);
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Anything that is not an AppError is an internal error: retried, and described to the user in general terms. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  return new AppError('INTERNAL', 'Something went wrong on our side while processing this recording.', true, { cause: err });
}
