import { describe, expect, it } from 'vitest';
import { buildDocuments } from './todos.js';
import { displayName, displayTitle, MAX_DISPLAY_NAME, singleLine } from './display-name.js';

describe('a recording’s display name', () => {
  it.each([
    ['standup.mp4', 'standup.mp4'],
    ['  Weekly sync — été 2026.mov ', 'Weekly sync — été 2026.mov'],
    ['../../etc/passwd\u0000.mp4', 'passwd.mp4'],
    ['a/b\\c.mp4', 'c.mp4'],
    ['C:\\Users\\eve\\call.m4a', 'call.m4a'],
    ['folder/', 'folder'],
    ['line one\nline two\r\n.mp4', 'line one line two .mp4'],
    ['\u001b[31mred\u001b[0m alert.mp4', 'red alert.mp4'],
    ['\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007.mp4', 'click.mp4'],
    ['invoice\u202Egpj.mp4', 'invoicegpj.mp4'],
    ['a\u2066b\u2069c\u200Bd\uFEFF.mp4', 'abcd.mp4'],
    ['tab\tand\u2028sep.wav', 'tab and sep.wav'],
    ['<!channel>.mp4', '<!channel>.mp4'],
    ['@everyone.mp4', '@everyone.mp4'],
    ['e\u0301te\u0301.mp3', 'été.mp3'],
    ['lone\uD800surrogate.mp4', 'lonesurrogate.mp4'],
  ])('%j → %j', (raw, shown) => {
    expect(displayName(raw)).toBe(shown);
  });

  it.each([null, undefined, '', '   ', '\u0000\u001b', '..', '../..', '.', '/'])('%j leaves nothing to show', (raw) => {
    expect(displayName(raw)).toBeNull();
  });

  it('bounds a 5,000-character name, keeping its extension and whole characters', () => {
    const long = displayName(`${'a'.repeat(5000)}.mp4`)!;
    expect(Array.from(long)).toHaveLength(MAX_DISPLAY_NAME);
    expect(long).toMatch(/^a+…\.mp4$/);

    const emoji = displayName('😀'.repeat(400))!;
    expect(Array.from(emoji)).toHaveLength(MAX_DISPLAY_NAME);
    expect(emoji.endsWith('😀…')).toBe(true);
    expect(Buffer.from(emoji).toString()).toBe(emoji); // no half surrogate pair (it would not survive UTF-8)
  });

  it('is the same when cleaned twice, so every way in may clean it', () => {
    for (const raw of ['../../x\u0000.mp4', `${'b'.repeat(900)}.webm`, '\u001b[1mbold\u001b[0m', 'a\nb']) {
      const once = displayName(raw);
      expect(displayName(once)).toBe(once);
    }
  });
});

describe('single-line text (terminal output)', () => {
  it('keeps slashes but drops escapes, controls and bidi marks', () => {
    expect(singleLine('Ship a/b\u001b[2J\u001b[H fix\u202E\ntoday')).toBe('Ship a/b fix today');
  });
});

describe('a meeting’s title', () => {
  it('is one clean line, slashes kept, at most MAX_DISPLAY_NAME characters; null when nothing is left', () => {
    expect(displayTitle('  Q3/Q4\u202e planning\n\u001b[31mreview ')).toBe('Q3/Q4 planning review');
    const long = displayTitle('😀'.repeat(400))!;
    expect(Array.from(long)).toHaveLength(MAX_DISPLAY_NAME);
    expect(long.endsWith('…')).toBe(true);
    for (const empty of [null, undefined, '', ' \n\u200b ']) expect(displayTitle(empty)).toBeNull();
  });

  it('proposed by the notes, is stored cleaned in summary.json, and left out when there is none', () => {
    const notes = { summary: 's', keyPoints: [], decisions: [], todos: [], estimatedTime: null };
    const id = '7f1c2a34-5b6d-4e8f-9a0b-1c2d3e4f5a6b';
    expect(buildDocuments(id, { ...notes, title: 'Budget\nreview' }, new Date()).summary.title).toBe('Budget review');
    expect(buildDocuments(id, notes, new Date()).summary).not.toHaveProperty('title');
    expect(buildDocuments(id, { ...notes, title: '  ' }, new Date()).summary).not.toHaveProperty('title');
  });
});
