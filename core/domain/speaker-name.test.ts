import { describe, expect, it } from 'vitest';
import { cleanSpeakerName, profileSpeakerName, speakerName, speakerNameTooLong, withSpeakerNames } from './speaker-name.js';

describe('speaker names', () => {
  it('show the given name, else "Speaker n" for a label, else what the LLM wrote', () => {
    const names = { SPEAKER_01: 'Maria' };
    expect(speakerName('SPEAKER_01', names)).toBe('Maria');
    expect(speakerName('SPEAKER_00', names)).toBe('Speaker 1');
    expect(speakerName('Anna', names)).toBe('Anna');
    expect(speakerName('constructor', names)).toBe('constructor');
  });

  it('replace only named labels inside text', () => {
    expect(withSpeakerNames('SPEAKER_01 and SPEAKER_02 own it; SPEAKER_010 does not', { SPEAKER_01: 'Maria' })).toBe('Maria and SPEAKER_02 own it; SPEAKER_010 does not');
  });

  it('are cleaned like display names, empty meaning none, and bounded to 60 characters', () => {
    expect(cleanSpeakerName(' Ma\u202eria\n Q. ')).toBe('Maria Q.');
    expect(cleanSpeakerName(' \u200b ')).toBeNull();
    expect(cleanSpeakerName(null)).toBeNull();
    expect(speakerNameTooLong('😀'.repeat(60))).toBe(false);
    expect(speakerNameTooLong('x'.repeat(61))).toBe(true);
  });

  it('take a chat profile name cleaned and cut, not refused, when it is too long', () => {
    expect(profileSpeakerName(' Anna\u202e K ')).toBe('Anna K');
    expect(profileSpeakerName('é'.repeat(70))).toBe('é'.repeat(60));
    expect(profileSpeakerName('\u200b')).toBeNull();
  });
});
