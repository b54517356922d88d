import type { types } from '@slack/bolt';
import type { SpeakerSample } from '../../../core/domain/speaker-members.js';
import type { WhoSpokeView } from '../../chat-platform.js';
import { offerLabel, suggestionOffers } from '../../speaker-choices.js';
import { TYPE_NAMES_ACTION } from './speaker-names-modal.js';
import type { SlackMessage } from './status-message.js';
import { escapeMrkdwn, LIMITS, mrkdwnText } from './text.js';
import { clip } from '../../../core/domain/text.js';

/** The users_select of each speaker; which speaker it is is told by its block id. */
export const SPEAKER_ACTION = 'wn-speaker-member';
/** The suggestion buttons of a speaker: `wn-speaker-suggest:{ref}` (action ids differ within a block). */
export const SUGGEST_ACTION = /^wn-speaker-suggest:/;

const BLOCK = 'wn-speaker';
const BLOCK_PATTERN = new RegExp(`^${BLOCK}:([0-9a-f-]{36}):([^:]{1,40})$`);
/** The intro and its "Type names" button take two blocks; each speaker a section and a row of suggestions. */
const MAX_SPEAKERS = Math.floor((LIMITS.blocksPerMessage - 2) / 2);
/** Slack's limit on a button's text. */
const BUTTON_TEXT = 75;

export interface SpeakerBlock {
  sessionId: string;
  label: string;
}

export const speakerBlockId = (b: SpeakerBlock, kind: 'pick' | 'suggest') => `${BLOCK}:${b.sessionId}:${b.label}${kind === 'suggest' ? ':s' : ''}`;

export function parseSpeakerBlockId(blockId: string): SpeakerBlock | null {
  const m = BLOCK_PATTERN.exec(blockId.replace(/:s$/, ''));
  return m ? { sessionId: m[1]!, label: m[2]! } : null;
}

/**
 * "Who spoke?": per speaker, the name shown now (and the member linked), the first words they said and a
 * users_select; picking a person names the speaker at once. The names the meeting says, and the members
 * they were linked to in this channel before, are offered as buttons that a person must click; "Type names
 * instead" opens a modal for people who are no member.
 */
export function whoSpokeMessage(sessionId: string, view: WhoSpokeView): SlackMessage {
  const { mentioned, remembered } = view.suggestions;
  const lines = ['*Who spoke?* Pick the person for each speaker: their todos will mention them.'];
  if (mentioned.length) lines.push(`Mentioned in the meeting: ${mentioned.map(escapeMrkdwn).join(', ')}`);
  for (const r of remembered) lines.push(`${escapeMrkdwn(r.name)} was <@${r.memberId}> here before.`);
  const shown = view.speakers.slice(0, MAX_SPEAKERS);
  const left = view.speakers.length - shown.length;
  if (left > 0) lines.push(`${left} more speaker${left === 1 ? '' : 's'} not shown here: name them on the status page.`);
  const blocks: types.KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), LIMITS.sectionText) } },
    { type: 'actions', elements: [{ type: 'button', action_id: TYPE_NAMES_ACTION, text: { type: 'plain_text', text: 'Type names instead' }, value: sessionId }] },
  ];
  for (const speaker of shown) blocks.push(...speakerBlocks(sessionId, speaker, view));
  return { text: 'Who spoke? Pick the person for each speaker.', blocks };
}

function speakerBlocks(sessionId: string, speaker: SpeakerSample, view: WhoSpokeView): types.KnownBlock[] {
  const at = { sessionId, label: speaker.label };
  const who = `*${mrkdwnText(speaker.shown, 200)}*${speaker.memberId ? ` · <@${speaker.memberId}>` : ''}`;
  const section: types.SectionBlock = {
    type: 'section',
    block_id: speakerBlockId(at, 'pick'),
    text: { type: 'mrkdwn', text: `${who}\n> ${mrkdwnText(speaker.sample, 500)}` },
    accessory: {
      type: 'users_select',
      action_id: SPEAKER_ACTION,
      placeholder: { type: 'plain_text', text: 'Who is this?' },
      ...(speaker.memberId && { initial_user: speaker.memberId }),
    },
  };
  const offers = suggestionOffers(view.suggestions).filter((o) => (o.memberId ? o.memberId !== speaker.memberId : o.name !== speaker.shown));
  if (offers.length === 0) return [section];
  const buttons = offers.map((o) => ({
    type: 'button' as const,
    action_id: `wn-speaker-suggest:${o.ref}`,
    text: { type: 'plain_text' as const, text: clip(offerLabel(o, speaker.shown), BUTTON_TEXT) },
    value: o.ref,
  }));
  return [section, { type: 'actions', block_id: speakerBlockId(at, 'suggest'), elements: buttons }];
}
