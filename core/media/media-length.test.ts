import { describe, expect, it } from 'vitest';
import { formatLength, tooLong } from './media-length.js';

describe('media length', () => {
  it.each([
    [14_400, '4 h'],
    [5400, '1 h 30 min'],
    [3661, '1 h 1 min'],
    [125, '2 min 5 s'],
    [45, '45 s'],
    [0.2, '0 s'],
  ])('formats %s seconds as %s', (seconds, text) => {
    expect(formatLength(seconds)).toBe(text);
  });

  it('says how long a recording is and the limit, or only the limit when its length is unknown', () => {
    expect(tooLong(14_400, 18_000)).toMatchObject({
      code: 'MEDIA_TOO_LONG',
      retryable: false,
      userMessage: 'This recording is 5 h long; the limit is 4 h. Split it into shorter parts and send them one at a time.',
    });
    expect(tooLong(60).userMessage).toMatch(/^This recording is longer than 1 min\./);
  });
});
