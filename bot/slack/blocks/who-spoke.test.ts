import { describe, expect, it } from 'vitest';
import type { WhoSpokeView } from '../../chat-platform.js';
import { resultsView } from '../../../test/helpers/results-view.js';
import { resultsMessages } from './results-messages.js';
import { TYPE_NAMES_ACTION } from './speaker-names-modal.js';
import { parseSpeakerBlockId, SPEAKER_ACTION, speakerBlockId, whoSpokeMessage } from './who-spoke.js';

const speaker = (n: number, memberId: string | null = null) => ({ label: `SPEAKER_0${n}`, shown: `Speaker ${n + 1}`, memberId, sample: `Words of <speaker> ${n}` });
const whoSpoke = (count: number, suggestions: WhoSpokeView['suggestions'] = { mentioned: [], remembered: [] }): WhoSpokeView => ({
  speakers: Array.from({ length: count }, (_, i) => speaker(i)),
  suggestions,
});
type Block = { type: string; block_id?: string; text?: { text: string }; accessory?: { type: string; action_id: string; initial_user?: string }; elements?: Array<{ action_id: string; value: string; text: { text: string } }> };
const blocksOf = (m: { blocks: unknown[] }) => m.blocks as Block[];

describe('"Who spoke?" in Slack', () => {
  it('is one message after the results: per speaker a sample and a users_select, identified by its block id', () => {
    const { sessionId, view } = resultsView(2);
    const messages = resultsMessages(sessionId, { ...view, whoSpoke: { speakers: [speaker(0), speaker(1, 'U0ANNA')], suggestions: { mentioned: [], remembered: [] } } });
    expect(messages).toHaveLength(2);
    const [intro, typeNames, first, second] = blocksOf(messages[1]!);
    expect(intro!.text!.text).toMatch(/^\*Who spoke\?\*/);
    expect(typeNames!.elements!.map((e) => [e.action_id, e.value])).toEqual([[TYPE_NAMES_ACTION, sessionId]]);
    expect(first!.text!.text).toBe('*Speaker 1*\n> Words of &lt;speaker&gt; 0');
    expect(first!.accessory).toEqual({ type: 'users_select', action_id: SPEAKER_ACTION, placeholder: { type: 'plain_text', text: 'Who is this?' } });
    expect(parseSpeakerBlockId(first!.block_id!)).toEqual({ sessionId, label: 'SPEAKER_00' });
    // A linked speaker shows the member, and the menu shows them chosen.
    expect(second!.text!.text).toContain('*Speaker 2* · <@U0ANNA>');
    expect(second!.accessory!.initial_user).toBe('U0ANNA');
    expect(resultsMessages(sessionId, view)).toHaveLength(1); // no transcript speakers, no message
  });

  it('offers the names the meeting says first, then a member linked here before, as buttons to click', () => {
    const message = whoSpokeMessage('7f1c0000-0000-4000-8000-000000000000', whoSpoke(1, { mentioned: ['Anna', 'Ali'], remembered: [{ name: 'Anna', memberId: 'U0ANNA' }] }));
    const [intro, , , offers] = blocksOf(message);
    expect(intro!.text!.text).toContain('Mentioned in the meeting: Anna, Ali\nAnna was <@U0ANNA> here before.');
    expect(offers!.elements!.map((e) => [e.text.text, e.value])).toEqual([
      ['Call them Anna', 'n0'],
      ['Call them Ali', 'n1'],
      ['Use @Anna for Speaker 1?', 'm0'],
    ]);
    expect(parseSpeakerBlockId(offers!.block_id!)).toEqual({ sessionId: '7f1c0000-0000-4000-8000-000000000000', label: 'SPEAKER_00' });
  });

  it('stays within 50 blocks and says how many speakers it leaves out', () => {
    const message = whoSpokeMessage('7f1c0000-0000-4000-8000-000000000000', whoSpoke(30, { mentioned: ['Anna'], remembered: [] }));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(blocksOf(message)[0]!.text!.text).toContain('6 more speakers not shown here: name them on the status page.');
  });

  it('mentions a linked owner on their todo, in mrkdwn, the task escaped', () => {
    const { sessionId, view } = resultsView(2, { task: (i) => `Task <${i + 1}>` });
    const [message] = resultsMessages(sessionId, { ...view, owners: { '2': 'U0ANNA' } });
    const elements = blocksOf(message!).flatMap((b) => (b.elements ?? []) as unknown as Array<{ type: string; options?: Array<{ text: unknown }> }>);
    const options = elements.filter((e) => e.type === 'checkboxes').flatMap((e) => e.options ?? []);
    expect(options.map((o) => o.text)).toEqual([
      { type: 'plain_text', text: '1. Task <1>' },
      { type: 'mrkdwn', text: '2. Task &lt;2&gt; · 👤 <@U0ANNA>', verbatim: true },
    ]);
  });

  it('tells block ids of other messages apart', () => {
    expect(parseSpeakerBlockId('wn-todos:7f1c0000-0000-4000-8000-000000000000:0:')).toBeNull();
    expect(parseSpeakerBlockId(speakerBlockId({ sessionId: '7f1c0000-0000-4000-8000-000000000000', label: 'SPEAKER_01' }, 'suggest'))).toEqual({ sessionId: '7f1c0000-0000-4000-8000-000000000000', label: 'SPEAKER_01' });
  });
});
