import { expect } from 'vitest';
import { AppError } from '../../core/errors.js';

/** Awaits a promise that must reject with an AppError of this code and retryability; returns the error. */
export async function expectAppError(promise: Promise<unknown>, code: string, retryable: boolean): Promise<AppError> {
  const err = await promise.then(
    () => expect.unreachable('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ code, retryable });
  return err as AppError;
}
