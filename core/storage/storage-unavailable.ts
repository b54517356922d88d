import { AppError } from '../errors.js';

/** Any failure of the store itself: unreachable, erroring or refusing. Detail stays in `cause`. */
export function storageUnavailable(cause: unknown): AppError {
  if (cause instanceof AppError) return cause;
  return new AppError('STORAGE_UNAVAILABLE', 'File storage is not responding, so this recording could not be saved or processed. Please try again later; if it keeps happening, ask an administrator to check the file storage.', true, { cause });
}
