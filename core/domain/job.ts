import { z } from 'zod';

/** The longest instruction a person may give when regenerating notes. */
export const NOTES_INSTRUCTION_MAX = 500;

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
  /**
   * A `todos` job that rewrites notes already written (docs/architecture.md#regenerating-the-notes): the
   * person's instruction and model, and the version it writes, so a redelivered copy finds it done. Null
   * (and absent in older messages) for the first notes.
   */
  notes: z
    .object({
      instruction: z.string().max(NOTES_INSTRUCTION_MAX).nullable().default(null),
      model: z.string().max(200).nullable().default(null),
      /** Who asked, as the surface names them; null for a holder of the page link. */
      by: z.string().max(300).nullable().default(null),
      version: z.number().int().min(2),
    })
    .nullable()
    .default(null),
});

export type JobMessage = z.infer<typeof jobMessageSchema>;
/** What a job message carries that `publish` may leave out: parsing fills in the defaults. */
export type JobMessageInput = z.input<typeof jobMessageSchema>;

export const QUEUES = ['transcribe', 'todos'] as const;
export type QueueName = (typeof QUEUES)[number];
