import { describe, expect, it } from 'vitest';
import { NAME_INPUT, NAMES_VIEW, speakerNamesModal, typedNameChanges } from './speaker-names-modal.js';

describe('the speaker names modal', () => {
  it('has a field per speaker, a typed name filled in, a linked member left empty', () => {
    const modal = speakerNamesModal(
      '7f1c0000-0000-4000-8000-000000000000',
      [
        { label: 'SPEAKER_00', shown: 'Ole', memberId: null, sample: 'Hello.' },
        { label: 'SPEAKER_01', shown: 'Anna K', memberId: 'U0ANNA', sample: 'Yes.' },
        { label: 'SPEAKER_02', shown: 'Speaker 3', memberId: null, sample: 'Hm.' },
      ],
      { SPEAKER_00: 'Ole', SPEAKER_01: 'Anna K' },
    );
    expect(modal).toMatchObject({ callback_id: NAMES_VIEW, private_metadata: '7f1c0000-0000-4000-8000-000000000000' });
    type Input = { block_id: string; label: { text: string }; element: { action_id: string; initial_value?: string } };
    const fields = (modal.blocks as Input[]).map((b) => [b.block_id, b.label.text, b.element.action_id, b.element.initial_value]);
    expect(fields).toEqual([
      ['SPEAKER_00', 'Ole: “Hello.”', NAME_INPUT, 'Ole'],
      ['SPEAKER_01', 'Anna K: “Yes.”', NAME_INPUT, undefined],
      ['SPEAKER_02', 'Speaker 3: “Hm.”', NAME_INPUT, undefined],
    ]);
  });

  it('changes only what was typed differently: a new name, a name over a link, an emptied typed name', () => {
    const names = { SPEAKER_00: 'Ole', SPEAKER_01: 'Anna K', SPEAKER_02: 'Bo' };
    const members = { SPEAKER_01: 'U0ANNA' };
    expect(typedNameChanges({ SPEAKER_00: ' Ole ', SPEAKER_01: null, SPEAKER_02: 'Bo', SPEAKER_03: null }, names, members)).toEqual({});
    expect(typedNameChanges({ SPEAKER_00: 'Olav', SPEAKER_01: 'Anna', SPEAKER_02: '', SPEAKER_03: 'Cy' }, names, members)).toEqual({
      SPEAKER_00: 'Olav',
      SPEAKER_01: 'Anna',
      SPEAKER_02: null,
      SPEAKER_03: 'Cy',
    });
  });
});
