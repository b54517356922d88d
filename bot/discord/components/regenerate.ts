import {
  ButtonStyle,
  ComponentType,
  TextInputStyle,
  type APIButtonComponent,
  type APIModalInteractionResponseCallbackData,
} from 'discord.js';
import { REGENERATE_TEXT } from '../../regenerate.js';

/** The Regenerate button of a results message and the modal it opens share one id: `wn:regen:{sessionId}`. */
const PREFIX = 'wn:regen';
const PATTERN = new RegExp(`^${PREFIX}:([0-9a-f-]{36})$`);
export const INSTRUCTION_INPUT = 'instruction';
export const MODEL_INPUT = 'model';

/** The Regenerate button, beside "Add a todo" under a session's summary. */
export function regenerateButton(sessionId: string): APIButtonComponent {
  return { type: ComponentType.Button, style: ButtonStyle.Secondary, label: REGENERATE_TEXT.button, emoji: { name: '🔄' }, custom_id: `${PREFIX}:${sessionId}` };
}

/** The form asking for an instruction and a model, both optional. */
export function regenerateModal(sessionId: string): APIModalInteractionResponseCallbackData {
  const input = (id: string, label: string, hint: string, maxLength: number, style: TextInputStyle) => ({
    type: ComponentType.ActionRow as const,
    components: [{ type: ComponentType.TextInput as const, custom_id: id, label, placeholder: hint, style, required: false, max_length: maxLength }],
  });
  return {
    custom_id: `${PREFIX}:${sessionId}`,
    title: REGENERATE_TEXT.title,
    components: [
      input(INSTRUCTION_INPUT, REGENERATE_TEXT.instruction, REGENERATE_TEXT.instructionHint, REGENERATE_TEXT.instructionMax, TextInputStyle.Paragraph),
      input(MODEL_INPUT, REGENERATE_TEXT.model, REGENERATE_TEXT.modelHint, REGENERATE_TEXT.modelMax, TextInputStyle.Short),
    ],
  };
}

/** The session a Regenerate button or its modal is about, or null when the id is not theirs. */
export function parseRegenerateId(customId: string): string | null {
  return PATTERN.exec(customId)?.[1] ?? null;
}
