import { z } from 'zod';
import type { Unsubscribe } from '../progress/progress-bus.js';
import { parseJsonAs } from '../json.js';

/** A todo ticked or unticked, from any surface (web page, Slack, Discord). Written without `kind` before names came. */
const todoTickSchema = z.object({
  kind: z.literal('tick').optional(),
  sessionId: z.uuid(),
  todoId: z.string(),
  completed: z.boolean(),
  /** Who ticked it, as the surface names them; null for an anonymous status-page viewer. */
  by: z.string().nullable(),
  at: z.iso.datetime(),
});

/** A session's speakers were named or renamed: every rendering of its notes shows the new names. */
const speakersNamedSchema = z.object({
  kind: z.literal('speakers'),
  sessionId: z.uuid(),
  /** The session's names after the change, by label (a label left out shows as `Speaker n`). */
  names: z.record(z.string(), z.string()),
  by: z.string().nullable(),
  at: z.iso.datetime(),
});

/** A todo edited, added or removed by a person: viewers fetch the list again. */
const todoChangedSchema = z.object({
  kind: z.literal('todo'),
  sessionId: z.uuid(),
  todoId: z.string(),
  change: z.enum(['edit', 'add', 'remove']),
  by: z.string().nullable(),
  at: z.iso.datetime(),
});

/** A session's notes were regenerated: `version` is now the current one, and every rendering shows it. */
const notesRegeneratedSchema = z.object({
  kind: z.literal('notes'),
  sessionId: z.uuid(),
  version: z.number().int().min(2),
  /** Who asked for it, as the surface names them; null for a holder of the page link. */
  by: z.string().nullable(),
  at: z.iso.datetime(),
});

/** A meeting was renamed: `title` is what every surface now shows (the given title, or the proposed one when it was cleared). */
const titleChangedSchema = z.object({
  kind: z.literal('title'),
  sessionId: z.uuid(),
  title: z.string(),
  /** Who renamed it, as the surface names them; null for a holder of the page link. */
  by: z.string().nullable(),
  at: z.iso.datetime(),
});

/** A change of a session's notes, from any surface: a todo ticked, edited, added or removed, speaker names, a new version of the notes or a new title. */
export const todoEventSchema = z.union([todoTickSchema, speakersNamedSchema, todoChangedSchema, notesRegeneratedSchema, titleChangedSchema]);
export type TodoEvent = z.infer<typeof todoEventSchema>;

export type TodoTick = z.infer<typeof todoTickSchema>;
export type TodoChanged = z.infer<typeof todoChangedSchema>;

/** Ticks were written without `kind` before other changes were announced. */
export const isTodoTick = (event: TodoEvent): event is TodoTick => event.kind === undefined || event.kind === 'tick';

/** A todo event from its JSON (channel message or stream entry), or null when it is not one. */
export const parseTodoEvent = (raw: string): TodoEvent | null => parseJsonAs(todoEventSchema, raw);

/**
 * Announces saved ticks, todo changes, speaker names, new notes and titles: live delivery per session for page viewers and a capped stream that the bots
 * read in a consumer group (so every chat message showing the todos is re-rendered once). Engines: Redis,
 * or the embedded one (core/progress: in process, kept in the database).
 */
export interface TodoEventBus {
  publish(event: TodoEvent): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Live todo events for viewers in this process, over the process's one subscriber (see ProgressFeed). */
export interface TodoFeed {
  /** Await the returned function's `ready` before reading todos.json, so no tick falls between the two. */
  subscribe(sessionId: string, listener: (event: TodoEvent) => void): Unsubscribe;
}
