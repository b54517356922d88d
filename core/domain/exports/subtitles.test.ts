import { parse } from '@plussub/srt-vtt-parser';
import { describe, expect, it } from 'vitest';
import { meetingExport, SEGMENTS } from '../../../test/helpers/meeting-export.js';
import type { Segment } from '../transcript.js';
import { CUE_LIMITS, cueTime } from './cues.js';
import { toSrt } from './srt.js';
import { toVtt } from './vtt.js';

/** A parsed cue; the parser's own types do not resolve under NodeNext (their imports lack extensions). */
interface ParsedCue {
  id: string;
  from: number;
  to: number;
  text: string;
}
/** The cues a real subtitle parser reads in an SRT or WebVTT file (it tells them apart by the header). */
const cuesOf = (file: string): ParsedCue[] => (parse(file) as { entries: ParsedCue[] }).entries;

const GOLDEN_SRT = `1
00:00:00,500 --> 00:00:03,250
Maria: Can you write the release notes?

2
00:00:03,500 --> 00:00:05,000
Jon: Sure, by Friday.

3
00:05:30,000 --> 00:05:32,125
Someone book the room.

`;

const GOLDEN_VTT = `WEBVTT

00:00:00.500 --> 00:00:03.250
<v Maria>Can you write the release notes?

00:00:03.500 --> 00:00:05.000
<v Jon>Sure, by Friday.

00:05:30.000 --> 00:05:32.125
Someone book the room.
`;

/** A segment of `count` words, `seconds` long each, in a row from `start`; with the aligner's word times or without. */
function longSegment(count: number, seconds: number, timed: boolean, start = 10): Segment {
  const words = Array.from({ length: count }, (_, i) => ({ word: `word${i}`, start: start + i * seconds, end: start + (i + 1) * seconds }));
  return { id: 0, start, end: start + count * seconds, text: words.map((w) => w.word).join(' '), speaker: 'SPEAKER_00', words: timed ? words : [] };
}

describe('SRT and WebVTT exports', () => {
  it('write one cue per segment, the speaker named in it, times in each format, and parse back to the same cues', () => {
    const meeting = meetingExport();
    expect(toSrt(meeting)).toBe(GOLDEN_SRT);
    expect(toVtt(meeting)).toBe(GOLDEN_VTT);
    for (const file of [GOLDEN_SRT, GOLDEN_VTT]) {
      const entries = cuesOf(file);
      expect(entries.map(({ from, to }) => [from, to])).toEqual(SEGMENTS.map((s) => [s.start * 1000, s.end * 1000]));
      expect(entries.map((e) => e.text.replace(/^<v ([^>]+)>/, '$1: '))).toEqual([
        'Maria: Can you write the release notes?',
        'Jon: Sure, by Friday.',
        'Someone book the room.',
      ]);
    }
  });

  it('an unnamed speaker is "Speaker n", as everywhere else', () => {
    const meeting = { ...meetingExport(), speakers: { SPEAKER_00: 'Maria' } };
    expect(toSrt(meeting)).toContain('\nSpeaker 2: Sure, by Friday.\n');
    expect(toVtt(meeting)).toContain('\n<v Speaker 2>Sure, by Friday.\n');
  });

  it('escape what could end a cue, open a tag or read as a timing line', () => {
    const segments: Segment[] = [{ id: 0, start: 1, end: 2, text: 'a --> b <i>x</i> & c', speaker: 'SPEAKER_00', words: [] }];
    const meeting = { ...meetingExport({ segments }), speakers: { SPEAKER_00: '<b>A&B</b>' } };
    const vtt = toVtt(meeting);
    expect(vtt).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v &lt;b&gt;A&amp;B&lt;/b&gt;>a --&gt; b &lt;i&gt;x&lt;/i&gt; &amp; c\n');
    const srt = toSrt(meeting);
    expect(srt).toBe('1\n00:00:01,000 --> 00:00:02,000\n<b>A&B</b>: a -> b <i>x</i> & c\n\n');
    expect(cuesOf(vtt)).toHaveLength(1);
    expect(cuesOf(srt)).toEqual([{ id: '1', from: 1000, to: 2000, text: '<b>A&B</b>: a -> b <i>x</i> & c' }]);
  });

  it('split a long segment on its words’ times: at most two lines, about 7 s, every word once and in order', () => {
    for (const timed of [true, false]) {
      const segment = longSegment(60, 0.5, timed);
      const entries = cuesOf(toVtt(meetingExport({ segments: [segment] })));
      expect(entries.length).toBeGreaterThan(4);
      for (const e of entries) {
        expect(e.to - e.from).toBeLessThanOrEqual(CUE_LIMITS.seconds * 1000 + 1);
        const lines = e.text.replace(/^<v Maria>/, '').split('\n');
        expect(lines.length).toBeLessThanOrEqual(CUE_LIMITS.lines);
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(CUE_LIMITS.lineChars + 6);
      }
      expect(entries.flatMap((e) => e.text.replace(/^<v Maria>/, '').split(/\s+/))).toEqual(segment.words.length ? segment.words.map((w) => w.word) : segment.text.split(' '));
      // Cues follow each other from the segment's start to its end, and start where a word starts.
      expect(entries[0]!.from).toBe(segment.start * 1000);
      expect(entries.at(-1)!.to).toBe(segment.end * 1000);
      for (let i = 1; i < entries.length; i++) expect(entries[i]!.from).toBeGreaterThanOrEqual(entries[i - 1]!.to);
      if (timed) for (const e of entries) expect((e.from / 1000 - segment.start) % 0.5).toBe(0);
    }
  });

  it('an empty transcript is a valid file with no cues', () => {
    const meeting = meetingExport({ segments: [] });
    expect(toSrt(meeting)).toBe('');
    expect(toVtt(meeting)).toBe('WEBVTT\n');
    expect(cuesOf(toVtt(meeting))).toEqual([]);
    expect(cuesOf(toSrt(meeting))).toEqual([]);
  });

  it('cue times: hours, minutes, seconds and milliseconds, with a comma in SRT and a dot in WebVTT', () => {
    expect(cueTime(3723.4567, ',')).toBe('01:02:03,457');
    expect(cueTime(3723.4567, '.')).toBe('01:02:03.457');
    expect(cueTime(0, '.')).toBe('00:00:00.000');
    expect(cueTime(59.9996, ',')).toBe('00:01:00,000');
    expect(cueTime(100 * 3600 + 1, ',')).toBe('100:00:01,000');
  });
});
