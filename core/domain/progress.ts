import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { SESSION_STATUSES, STAGES } from './session.js';

export const progressEventSchema = z.object({
  sessionId: z.uuid(),
  seq: z.number().int().nonnegative(),
  status: z.enum(SESSION_STATUSES),
  stage: z.enum(STAGES),
  percent: z.number().min(0).max(100),
  message: z.string(),
  etaSeconds: z.number().nonnegative().nullable(),
  at: z.iso.datetime(),
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }).nullable(),
});

export type ProgressEvent = z.infer<typeof progressEventSchema>;

/** What a stage reports; the progress bus adds the sequence number and the time. */
export type ProgressUpdate = Omit<ProgressEvent, 'seq' | 'at' | 'etaSeconds' | 'error'> & {
  etaSeconds?: number | null;
  error?: ProgressEvent['error'];
};
