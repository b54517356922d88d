import { ButtonStyle, ComponentType, SelectMenuDefaultValueType, type APIActionRowComponent, type APIComponentInMessageActionRow } from 'discord.js';
import type { SpeakerSample } from '../../../core/domain/speaker-members.js';
import { clip } from '../../../core/domain/text.js';
import type { WhoSpokeView } from '../../chat-platform.js';
import { offerLabel, suggestionOffers } from '../../speaker-choices.js';
import { escapeMarkdown, MAX_CONTENT, NO_MENTIONS } from './text.js';

/** A speaker's user select menu, `wn:speaker:{sessionId}:{label}`, and a suggestion's button, `…:{ref}`. */
const PREFIX = 'wn:speaker';
const PATTERN = new RegExp(`^${PREFIX}:([0-9a-f-]{36}):([^:]{1,40})(?::([mn]\\d{1,2}))?$`);
/** A select fills a row of its own; with its suggestions' row, two speakers fit Discord's five rows. */
const SPEAKERS_PER_MESSAGE = 2;
/** Discord's limits on a button's label and a select's placeholder. */
const LABEL_MAX = 80;
const PLACEHOLDER_MAX = 150;

export interface SpeakerComponent {
  sessionId: string;
  label: string;
  /** Set on a suggestion's button: which offer it applies. */
  ref: string | null;
}

export const speakerComponentId = (c: SpeakerComponent) => `${PREFIX}:${c.sessionId}:${c.label}${c.ref ? `:${c.ref}` : ''}`;

export function parseSpeakerComponentId(customId: string): SpeakerComponent | null {
  const m = PATTERN.exec(customId);
  return m ? { sessionId: m[1]!, label: m[2]!, ref: m[3] ?? null } : null;
}

export interface WhoSpokeMessage {
  content: string;
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  allowed_mentions: typeof NO_MENTIONS;
}

/**
 * "Who spoke?": per speaker, the name shown now (the member linked, mentioned), the first words they said,
 * a user select (picking a member names the speaker at once) and buttons for the suggestions, which a person
 * must click. Two speakers to a message; how many messages depends on the speakers only, so a re-render
 * edits the same messages.
 */
export function whoSpokeMessages(sessionId: string, view: WhoSpokeView): WhoSpokeMessage[] {
  const { mentioned, remembered } = view.suggestions;
  const intro = ['**Who spoke?** Pick the person for each speaker: their todos will mention them.'];
  if (mentioned.length) intro.push(`Mentioned in the meeting: ${mentioned.map(escapeMarkdown).join(', ')}`);
  for (const r of remembered) intro.push(`${escapeMarkdown(r.name)} was <@${r.memberId}> here before.`);
  const messages: WhoSpokeMessage[] = [];
  for (let i = 0; i < view.speakers.length; i += SPEAKERS_PER_MESSAGE) {
    const speakers = view.speakers.slice(i, i + SPEAKERS_PER_MESSAGE);
    const lines = [...(i === 0 ? intro : []), ...speakers.map(speakerLine)];
    messages.push({
      content: clip(lines.join('\n'), MAX_CONTENT),
      components: speakers.flatMap((s) => speakerRows(sessionId, s, view)),
      allowed_mentions: NO_MENTIONS,
    });
  }
  return messages;
}

const speakerLine = (s: SpeakerSample) => `**${escapeMarkdown(clip(s.shown, 100))}**${s.memberId ? ` · <@${s.memberId}>` : ''}\n> ${escapeMarkdown(s.sample)}`;

function speakerRows(sessionId: string, speaker: SpeakerSample, view: WhoSpokeView): APIActionRowComponent<APIComponentInMessageActionRow>[] {
  const at = { sessionId, label: speaker.label };
  const select: APIActionRowComponent<APIComponentInMessageActionRow> = {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.UserSelect,
        custom_id: speakerComponentId({ ...at, ref: null }),
        placeholder: clip(`Who is ${speaker.shown}?`, PLACEHOLDER_MAX),
        ...(speaker.memberId && { default_values: [{ id: speaker.memberId, type: SelectMenuDefaultValueType.User }] }),
      },
    ],
  };
  const offers = suggestionOffers(view.suggestions).filter((o) => (o.memberId ? o.memberId !== speaker.memberId : o.name !== speaker.shown));
  if (offers.length === 0) return [select];
  const buttons = offers.map((o) => ({
    type: ComponentType.Button as const,
    style: ButtonStyle.Secondary as const,
    label: clip(offerLabel(o, speaker.shown), LABEL_MAX),
    custom_id: speakerComponentId({ ...at, ref: o.ref }),
  }));
  return [select, { type: ComponentType.ActionRow, components: buttons }];
}
