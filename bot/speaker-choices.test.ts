import { describe, expect, it } from 'vitest';
import { offerLabel, suggestionOffers } from './speaker-choices.js';

describe('suggestions for a speaker', () => {
  it('offer the names said first, then members linked before, five at most, each with the ref a button carries', () => {
    const offers = suggestionOffers({
      mentioned: ['Anna', 'Ali', 'Bo', 'Cy'],
      remembered: [
        { name: 'Anna', memberId: 'U0ANNA' },
        { name: 'Ali', memberId: 'U0ALI' },
      ],
    });
    expect(offers.map((o) => [o.ref, o.name, o.memberId])).toEqual([
      ['n0', 'Anna', null],
      ['n1', 'Ali', null],
      ['n2', 'Bo', null],
      ['n3', 'Cy', null],
      ['m0', 'Anna', 'U0ANNA'],
    ]);
    expect(offers.map((o) => offerLabel(o, 'Speaker 2'))).toEqual(['Call them Anna', 'Call them Ali', 'Call them Bo', 'Call them Cy', 'Use @Anna for Speaker 2?']);
  });
});
