import { z } from 'zod';

/** The message on the `transcribe` and `todos` queues (docs/architecture.md#job-queue). Versioned so old messages stay readable. */
export const jobMessageSchema = z.object({
  v: z.literal(1),
  sessionId: z.uuid(),
  options: z
    .object({
      language: z.string().min(2).max(16).nullable().default(null),
      diarize: z.boolean().default(true),
      minSpeakers: z.number().int().positive().nullable().default(null),
      maxSpeakers: z.number().int().positive().nullable().default(null),
      prompt: z.string().max(2000).nullable().default(null),
      model: z.string().max(200).nullable().default(null),
    })
    .default({ language: null, diarize: true, minSpeakers: null, maxSpeakers: null, prompt: null, model: null }),
});

export type JobMessage = z.infer<typeof jobMessageSchema>;

export const QUEUES = ['transcribe', 'todos'] as const;
export type QueueName = (typeof QUEUES)[number];
