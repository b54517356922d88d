import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, normaliseTranscript, parsePythonJson, storedTranscriptSchema, whisperxResultSchema } from './transcript.js';

const fixture = readFileSync(new URL('../../test/fixtures/whisperx-output.example.json', import.meta.url), 'utf8');
const meta = { sessionId: '6f1c2a8e-8a7b-4c55-9d7e-1c2b3a4d5e6f', engine: 'whisperx', model: 'large-v3', duration: 10.5, language: 'en', now: new Date('2026-11-25T10:00:00Z') };

describe('WhisperX output', () => {
  it('parses the real shape with its quirks and normalises it for storage', () => {
    const raw = whisperxResultSchema.parse(parsePythonJson(fixture));
    const t = normaliseTranscript(raw, meta);
    // The failed-alignment segment (" ¿", no words) says nothing, so it is not stored as speech.
    expect(t.segments.map((s) => s.id)).toEqual([0, 1, 2]);
    expect(t.segments.map((s) => s.text)).not.toContain('¿');
    // A number word without times keeps only `word`.
    expect(t.segments[0]!.words[4]).toEqual({ word: '2' });
    // A word outside any diarization turn has no speaker, its neighbours do.
    expect(t.segments[1]!.words[0]!.speaker).toBeUndefined();
    expect(t.segments[1]!.words[1]!.speaker).toBe('SPEAKER_00');
    expect(t).toMatchObject({ session_id: meta.sessionId, engine: 'whisperx', model: 'large-v3', language: 'en', generated_at: '2026-11-25T10:00:00.000Z' });
    expect(storedTranscriptSchema.parse(JSON.parse(JSON.stringify(t)))).toEqual(t);
  });

  it('reads the NaN and Infinity tokens Python writes, leaving strings alone', () => {
    const parsed = parsePythonJson('{"a":NaN,"b":[Infinity,-Infinity],"c":"NaN, Infinity","d":"q\\"NaN"}');
    expect(parsed).toEqual({ a: null, b: [null, null], c: 'NaN, Infinity', d: 'q"NaN' });
    const raw = whisperxResultSchema.parse(
      parsePythonJson('{"segments":[{"start":0,"end":1,"text":"hi","words":[{"word":"hi","start":0,"end":1,"score":NaN}]}]}'),
    );
    expect(normaliseTranscript(raw, meta).segments[0]!.words[0]).toEqual({ word: 'hi', start: 0, end: 1 });
  });

  it('rejects output that is not a transcript', () => {
    expect(whisperxResultSchema.safeParse({ segments: [{ text: 'no times' }] }).success).toBe(false);
    expect(whisperxResultSchema.safeParse({ text: 'plain' }).success).toBe(false);
  });

  it('drops segments with no word in them: only punctuation, symbols or spaces', () => {
    const t = normaliseTranscript(
      { segments: [
        { start: 0, end: 1, text: ' ¿' },
        { start: 1, end: 2, text: '… ♪ —' },
        { start: 2, end: 3, text: '5 €' },
        { start: 3, end: 4, text: '¿qué?' },
        { start: 4, end: 5, text: '了解' },
      ] },
      meta,
    );
    expect(t.segments.map((s) => [s.id, s.text])).toEqual([[0, '5 €'], [1, '¿qué?'], [2, '了解']]);
  });

  it('orders segments by time, rounds to milliseconds and drops empty text', () => {
    const t = normaliseTranscript(
      { segments: [
        { start: 5.12345, end: 6, text: 'second' },
        { start: 1, end: 2.00049, text: 'first', words: [{ word: 'first', start: 1, end: 2.00049 }] },
        { start: 3, end: 4, text: '   ' },
      ] },
      { ...meta, language: null },
    );
    expect(t.segments.map((s) => [s.id, s.text, s.start, s.end])).toEqual([[0, 'first', 1, 2], [1, 'second', 5.123, 6]]);
    expect(t.language).toBe('und');
    expect(t.word_segments).toEqual([{ word: 'first', start: 1, end: 2 }]);
  });

  it('formats timestamps as hh:mm:ss', () => {
    expect(formatTimestamp(0)).toBe('00:00:00');
    expect(formatTimestamp(330.9)).toBe('00:05:30');
    expect(formatTimestamp(3 * 3600 + 62)).toBe('03:01:02');
  });
});
