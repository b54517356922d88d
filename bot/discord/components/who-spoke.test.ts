import { ComponentType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { resultsView } from '../../../test/helpers/results-view.js';
import { resultsMessages } from './results-messages.js';
import { parseSpeakerComponentId, speakerComponentId, whoSpokeMessages } from './who-spoke.js';

const SESSION = '7f1c0000-0000-4000-8000-000000000000';
const speaker = (n: number, memberId: string | null = null) => ({ label: `SPEAKER_0${n}`, shown: `Speaker ${n + 1}`, memberId, sample: `Words **${n}**` });

describe('"Who spoke?" in Discord', () => {
  it('gives each speaker a user select and a row of suggestions, two speakers to a message within five rows', () => {
    const messages = whoSpokeMessages(SESSION, {
      speakers: [speaker(0), speaker(1, '200000000000000001'), speaker(2)],
      suggestions: { mentioned: ['Anna'], remembered: [{ name: 'Anna', memberId: '200000000000000001' }] },
    });
    expect(messages).toHaveLength(2);
    expect(messages.every((m) => m.components.length <= 5)).toBe(true);
    const [first] = messages;
    expect(first!.content).toContain('Mentioned in the meeting: Anna\nAnna was <@200000000000000001> here before.');
    expect(first!.content).toContain('**Speaker 2** · <@200000000000000001>\n> Words \\*\\*1\\*\\*');
    const [select, offers, linkedSelect, linkedOffers] = first!.components.map((r) => r.components);
    expect(select).toEqual([{ type: ComponentType.UserSelect, custom_id: speakerComponentId({ sessionId: SESSION, label: 'SPEAKER_00', ref: null }), placeholder: 'Who is Speaker 1?' }]);
    expect(offers!.map((b) => ('label' in b ? b.label : null))).toEqual(['Call them Anna', 'Use @Anna for Speaker 1?']);
    expect(parseSpeakerComponentId(('custom_id' in offers![1]! && offers![1].custom_id) || '')).toEqual({ sessionId: SESSION, label: 'SPEAKER_00', ref: 'm0' });
    // The linked speaker's menu shows the member chosen; the member is not offered again.
    expect(linkedSelect![0]).toMatchObject({ default_values: [{ id: '200000000000000001', type: 'user' }] });
    expect(linkedOffers!.map((b) => ('label' in b ? b.label : null))).toEqual(['Call them Anna']);
  });

  it('mentions a linked owner on their todo line, never pinging (no allowed mentions)', () => {
    const { sessionId, view } = resultsView(2);
    const [, page] = resultsMessages(sessionId, { ...view, owners: { '1': '200000000000000001' } });
    const [, first, firstDetails, , secondDetails] = page!.content.split('\n');
    expect(first).toMatch(/^⬜ \*\*1\.\*\* Task 1$/);
    expect(firstDetails).toBe('-# 🟡 medium · ⏱ 00:00:05 · 👤 <@200000000000000001>');
    expect(secondDetails).toBe('-# 🟡 medium · ⏱ 00:00:05 · 👤 SPEAKER_01');
    expect(page!.allowed_mentions).toEqual({ parse: [] });
  });

  it('tells other custom ids apart', () => {
    expect(parseSpeakerComponentId(`wn:todo:${SESSION}:1:1`)).toBeNull();
    expect(parseSpeakerComponentId(`wn:speaker:${SESSION}:SPEAKER_00:x9`)).toBeNull();
  });
});
