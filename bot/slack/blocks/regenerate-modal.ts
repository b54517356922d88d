import type { types } from '@slack/bolt';
import { z } from 'zod';
import { parseJsonAs } from '../../../core/json.js';
import { REGENERATE_TEXT } from '../../regenerate.js';

/** The Regenerate button of a results message; its value is the session id. */
export const REGENERATE_ACTION = 'wn-regenerate-notes';
/** The modal it opens (`callback_id`), answered by a `view_submission`. */
export const REGENERATE_VIEW = 'wn-regenerate-notes';
export const INSTRUCTION_BLOCK = 'instruction';
export const MODEL_BLOCK = 'model';
/** The action id of each block's plain_text_input. */
export const INPUT_ACTION = 'value';

const metadataSchema = z.object({ sessionId: z.string(), channel: z.string(), threadTs: z.string().nullable() });
/** What the modal carries back in `private_metadata`: the session, and the thread to answer in. */
export type RegenerateTarget = z.infer<typeof metadataSchema>;

export const parseRegenerateTarget = (metadata: string): RegenerateTarget | null => parseJsonAs(metadataSchema, metadata);

export function regenerateButton(sessionId: string): types.Button {
  return { type: 'button', action_id: REGENERATE_ACTION, text: { type: 'plain_text', text: REGENERATE_TEXT.button }, value: sessionId };
}

function input(blockId: string, label: string, hint: string, maxLength: number, multiline: boolean): types.InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: true,
    label: { type: 'plain_text', text: label },
    element: { type: 'plain_text_input', action_id: INPUT_ACTION, multiline, max_length: maxLength, placeholder: { type: 'plain_text', text: hint } },
  };
}

/** The form asking for an instruction and a model, both optional. */
export function regenerateModal(target: RegenerateTarget): types.ModalView {
  return {
    type: 'modal',
    callback_id: REGENERATE_VIEW,
    private_metadata: JSON.stringify(target),
    title: { type: 'plain_text', text: REGENERATE_TEXT.title },
    submit: { type: 'plain_text', text: REGENERATE_TEXT.submit },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      input(INSTRUCTION_BLOCK, REGENERATE_TEXT.instruction, REGENERATE_TEXT.instructionHint, REGENERATE_TEXT.instructionMax, true),
      input(MODEL_BLOCK, REGENERATE_TEXT.model, REGENERATE_TEXT.modelHint, REGENERATE_TEXT.modelMax, false),
    ],
  };
}
