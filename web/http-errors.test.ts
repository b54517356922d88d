import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { statusOfCode, statusOfError } from './http-errors.js';

describe('one HTTP status per failure code', () => {
  it('maps a refused recording, a busy page and our own failures', () => {
    expect(statusOfCode('MEDIA_TOO_LARGE')).toBe(413);
    expect(statusOfCode('UNSUPPORTED_MEDIA')).toBe(415);
    expect(statusOfCode('LINK_FORBIDDEN')).toBe(422);
    expect(statusOfCode('LINK_UNREACHABLE')).toBe(422);
    expect(statusOfCode('TOO_MANY_ACTIVE')).toBe(429);
    expect(statusOfCode('STORAGE_UNAVAILABLE')).toBe(503);
    expect(statusOfCode('INTERNAL')).toBe(503);
    expect(statusOfCode('A_CODE_FROM_ANOTHER_VERSION')).toBe(422);
  });

  it('answers what cannot be ticked as not found', () => {
    for (const code of ['SESSION_NOT_FOUND', 'TODOS_NOT_READY', 'TODO_NOT_FOUND']) expect(statusOfCode(code)).toBe(404);
  });

  it('keeps fastify’s client errors and makes anything unknown a 500', () => {
    expect(statusOfError(Object.assign(new Error('too large'), { statusCode: 413 }))).toBe(413);
    expect(statusOfError(new AppError('QUEUE_UNAVAILABLE', 'down', true))).toBe(503);
    expect(statusOfError(new Error('bug'))).toBe(500);
    expect(statusOfError(Object.assign(new Error('odd'), { statusCode: 502 }))).toBe(500);
  });
});
