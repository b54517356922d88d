import type { SpeakersService, SpeakerSuggestions } from '../core/sessions/speakers.service.js';

/** One suggestion a "Who spoke?" message offers for a speaker: a name the meeting said, or a member linked here before. */
export interface SuggestionOffer {
  /** How a button refers to it: `n0` (the first name said), `m0` (the first remembered member). */
  ref: string;
  name: string;
  memberId: string | null;
}

/** Buttons per speaker: the platforms' rows hold five. */
const MAX_OFFERS = 5;

/**
 * What to offer each speaker, best first: the names the meeting says, then the members those names were
 * linked to in this channel before. Nothing is applied until a person clicks one.
 */
export function suggestionOffers(s: SpeakerSuggestions): SuggestionOffer[] {
  return [
    ...s.mentioned.map((name, i) => ({ ref: `n${i}`, name, memberId: null })),
    ...s.remembered.map((r, i) => ({ ref: `m${i}`, name: r.name, memberId: r.memberId })),
  ].slice(0, MAX_OFFERS);
}

/** A button's words for an offer: "Anna" (a name) or "Use @Anna for Speaker 2?" (a member linked here before). */
export const offerLabel = (offer: SuggestionOffer, speaker: string): string => (offer.memberId ? `Use @${offer.name} for ${speaker}?` : `Call them ${offer.name}`);

/** The people who can name speakers from chat: the speakers service, and the platform's profiles. */
export interface SpeakerChoiceDeps {
  speakers: Pick<SpeakersService, 'nameSpeakers' | 'suggestions'>;
  /** A member's name as their profile shows it now. */
  memberName(memberId: string): Promise<string | null>;
}

/** Links a speaker to a chat member, saved under the member's profile name (`heardAs`: the name the meeting used). */
export async function pickMember(deps: SpeakerChoiceDeps, at: { sessionId: string; label: string }, memberId: string, heardAs: string | null, by: string): Promise<void> {
  const name = (await deps.memberName(memberId)) ?? heardAs ?? memberId;
  await deps.speakers.nameSpeakers(at.sessionId, { [at.label]: { memberId, name, heardAs } }, by);
}

/** Applies the suggestion a person clicked (found again by its ref); false when it is no longer offered. */
export async function takeSuggestion(deps: SpeakerChoiceDeps, at: { sessionId: string; label: string }, ref: string, by: string): Promise<boolean> {
  const offer = suggestionOffers(await deps.speakers.suggestions(at.sessionId)).find((o) => o.ref === ref);
  if (!offer) return false;
  if (offer.memberId) await pickMember(deps, at, offer.memberId, offer.name, by);
  else await deps.speakers.nameSpeakers(at.sessionId, { [at.label]: offer.name }, by);
  return true;
}
