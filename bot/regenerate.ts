import { NOTES_INSTRUCTION_MAX } from '../core/domain/job.js';
import { isAppError } from '../core/errors.js';
import type { NotesRequest } from '../core/sessions/notes.service.js';
import type { ChatUser } from '../core/domain/chat-user.js';
import type { SessionService } from '../core/sessions/session.service.js';
import type { BotOptions } from './chat-platform.js';
import { ensureMayChange, type ChangeGate } from './may-change.js';

/** The words of the Regenerate button and of the form it opens, the same on both platforms. */
export const REGENERATE_TEXT = {
  button: 'Regenerate',
  title: 'Regenerate the notes',
  submit: 'Regenerate',
  instruction: 'Instruction (optional)',
  instructionHint: 'e.g. focus on engineering tasks, or: in German',
  instructionMax: NOTES_INSTRUCTION_MAX,
  model: 'Model (optional)',
  modelHint: 'Leave empty for the configured model',
  modelMax: 200,
} as const;

/** Who regenerates from chat: the notes service, and what tells whether a person may change a session's notes. */
export type RegenerateContext = ChangeGate & Pick<BotOptions, 'notes'> & { sessions: Pick<SessionService, 'get'> };

/**
 * Whether `user` may regenerate the session's notes: null when they may, else the refusal to show them alone
 * (mayNotChange's sentence, or that the meeting is gone). Asked when the Regenerate button is clicked, so a
 * person refused is told before filling in the form.
 */
export async function regenerateRefusal(ctx: RegenerateContext, sessionId: string, user: ChatUser): Promise<string | null> {
  try {
    await ensureMayChange(ctx, sessionId, user);
    return null;
  } catch (err) {
    return refusalOf(err);
  }
}

/** What whoever asked is told, alone, when the regeneration is queued. */
export const REGENERATING = 'Rewriting the notes: the results message will be updated.';

/**
 * Asks for new notes for whoever submitted the form: refused (an AppError, nothing queued) unless they may
 * change the session's notes (mayChange), or when the notes service refuses (not finished, too long, its sharer at their limit of active recordings). The
 * results message is edited when the new version is stored (ThreadNotifier).
 */
export async function regenerateFromChat(ctx: RegenerateContext, sessionId: string, request: NotesRequest, user: ChatUser, by: string): Promise<void> {
  await ensureMayChange(ctx, sessionId, user);
  await ctx.notes.regenerate(sessionId, request, by);
}

/** A refusal (an AppError) as its person is told it; anything else is thrown on. */
export function refusalOf(err: unknown): string {
  if (!isAppError(err)) throw err;
  return `❌ ${err.userMessage}`;
}
