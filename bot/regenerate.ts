import { NOTES_INSTRUCTION_MAX } from '../core/domain/job.js';
import { isAppError } from '../core/errors.js';
import type { NotesRequest } from '../core/sessions/notes.service.js';
import type { BotOptions } from './chat-platform.js';

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

/**
 * Asks for new notes for whoever submitted the form, and says what happens, to them alone: the results
 * message is edited when the new version is stored. A refusal (not finished, too long) is the answer too.
 */
export async function regenerateFromChat(notes: BotOptions['notes'], sessionId: string, request: NotesRequest, by: string): Promise<string> {
  try {
    await notes.regenerate(sessionId, request, by);
    return 'Rewriting the notes: the results message will be updated.';
  } catch (err) {
    if (!isAppError(err)) throw err;
    return `❌ ${err.userMessage}`;
  }
}
