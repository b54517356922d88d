import { describe, expect, it } from 'vitest';
import { wordsToSegments } from './sentences.js';

const w = (word: string, start: number, end: number) => ({ word, start, end });

describe('wordsToSegments', () => {
  it('ends a segment after sentence punctuation, keeping each word with its own times', () => {
    const segments = wordsToSegments([w(' Hello', 0, 0.4), w(' there.', 0.4, 0.9), w(' Ship', 1.0, 1.3), w(' it?', 1.3, 1.6)]);
    expect(segments).toEqual([
      { start: 0, end: 0.9, text: 'Hello there.', words: [w('Hello', 0, 0.4), w('there.', 0.4, 0.9)] },
      { start: 1.0, end: 1.6, text: 'Ship it?', words: [w('Ship', 1.0, 1.3), w('it?', 1.3, 1.6)] },
    ]);
  });

  it('ends a segment at a pause of a second or more, and keeps scripts without spaces joined', () => {
    const segments = wordsToSegments([w('会議', 0, 0.5), w('を', 0.5, 0.7), w('始め', 2.0, 2.4), w('ます', 2.4, 2.8)]);
    expect(segments.map((s) => s.text)).toEqual(['会議を', '始めます']);
  });

  it('cuts a segment that runs past 30 seconds or 60 words', () => {
    const long = Array.from({ length: 130 }, (_, i) => w(` word${i}`, i * 0.2, i * 0.2 + 0.15));
    const segments = wordsToSegments(long);
    expect(segments.map((s) => s.words.length)).toEqual([60, 60, 10]);
    // 50 words 0.9 s apart with no pause of a second: 45 s of speech.
    const slow = wordsToSegments(Array.from({ length: 50 }, (_, i) => w(` w${i}`, i * 0.9, i * 0.9 + 0.5)));
    expect(slow).toHaveLength(2);
    expect(slow.every((s) => s.end - s.start <= 30)).toBe(true);
  });

  it('gives no segments for no words', () => {
    expect(wordsToSegments([])).toEqual([]);
  });
});
