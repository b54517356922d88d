import type { types } from '@slack/bolt';
import type { SpeakerMembers, SpeakerSample } from '../../../core/domain/speaker-members.js';
import { MAX_SPEAKER_NAME, type SpeakerNames } from '../../../core/domain/speaker-name.js';
import { clip } from '../../../core/domain/text.js';

/** The "Type names" button of a "Who spoke?" message; its value is the session id. */
export const TYPE_NAMES_ACTION = 'wn-speaker-type-names';
/** The modal it opens; its private metadata is the session id, each input block's id a speaker's label. */
export const NAMES_VIEW = 'wn-speaker-names';
/** The text field of each input block. */
export const NAME_INPUT = 'name';

/** Slack's limits: blocks in a modal, and an input's label. */
const MAX_INPUTS = 100;
const LABEL_TEXT = 2000;

/**
 * A modal with one text field per speaker (a typed name filled in), for people nobody can pick as a member
 * (a guest, someone outside the workspace). A speaker linked to a member shows an empty field: left empty,
 * the link stays.
 */
export function speakerNamesModal(sessionId: string, speakers: SpeakerSample[], names: SpeakerNames): types.ModalView {
  return {
    type: 'modal',
    callback_id: NAMES_VIEW,
    private_metadata: sessionId,
    title: { type: 'plain_text', text: 'Name the speakers' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: speakers.slice(0, MAX_INPUTS).map((s) => ({
      type: 'input',
      block_id: s.label,
      optional: true,
      label: { type: 'plain_text', text: clip(`${s.shown}: “${s.sample}”`, LABEL_TEXT) },
      element: {
        type: 'plain_text_input',
        action_id: NAME_INPUT,
        max_length: MAX_SPEAKER_NAME,
        placeholder: { type: 'plain_text', text: 'Their name' },
        ...(!s.memberId && names[s.label] && { initial_value: names[s.label] }),
      },
    })),
  };
}

/**
 * What a submitted modal changes, by label: a name typed that differs from the one saved (or replaces a
 * member link), and null for an emptied field whose speaker had a typed name. An empty field of a linked
 * speaker, and a name left as it was, change nothing.
 */
export function typedNameChanges(values: Readonly<Record<string, string | null>>, names: SpeakerNames, members: SpeakerMembers): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const [label, raw] of Object.entries(values)) {
    const typed = (raw ?? '').trim();
    const linked = Object.hasOwn(members, label);
    if (typed && (linked || typed !== names[label])) changes[label] = typed;
    else if (!typed && !linked && Object.hasOwn(names, label)) changes[label] = null;
  }
  return changes;
}
