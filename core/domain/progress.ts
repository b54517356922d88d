import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { SESSION_STATUSES, STAGES, type Stage } from './session.js';

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

/**
 * Each stage's share of the whole job, so the overall percent only moves forward across stages.
 * Transcription dominates the wall time; upload and the LLM are smaller.
 */
const STAGE_SPAN: Record<Stage, [from: number, to: number]> = {
  upload: [0, 10],
  queued: [10, 12],
  audio: [12, 20],
  transcribe: [20, 70],
  align: [70, 78],
  diarize: [78, 85],
  todos: [85, 99],
  done: [100, 100],
};

/** Overall percent (integer) from a stage and how far through that stage the work is (0..1). */
export function overallPercent(stage: Stage, fraction: number): number {
  const [from, to] = STAGE_SPAN[stage];
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  return Math.floor(from + (to - from) * f);
}
