import { singleLine } from '../display-name.js';
import { speakerName, type SpeakerNames } from '../speaker-name.js';
import type { Segment, StoredTranscript } from '../transcript.js';

/** One subtitle on screen: who speaks, the lines shown, and when. */
export interface Cue {
  start: number;
  end: number;
  speaker: string | null;
  lines: string[];
}

/** What one cue may hold: two lines of about 42 characters (the usual subtitle line), on screen for at most 7 s. */
export const CUE_LIMITS = { lineChars: 42, lines: 2, seconds: 7 } as const;
const CUE_CHARS = CUE_LIMITS.lineChars * CUE_LIMITS.lines;
/** A cue whose times are equal (a word the aligner gave no length) still shows for a moment. */
const SHORTEST_CUE = 0.1;

interface Token {
  text: string;
  start: number;
  end: number;
}

/** The transcript as cues: one per segment, a long segment split on word boundaries, speakers named. */
export function transcriptCues(transcript: StoredTranscript, names: SpeakerNames): Cue[] {
  return transcript.segments.flatMap((segment) => {
    const speaker = segment.speaker ? speakerName(segment.speaker, names) : null;
    return splitSegment(segment).map((part) => ({ ...part, speaker }));
  });
}

/** `text` in at most two lines, broken at the space nearest the middle when it is longer than one. */
export function cueLines(text: string): string[] {
  if (text.length <= CUE_LIMITS.lineChars) return [text];
  const middle = text.length / 2;
  let best = -1;
  for (let i = text.indexOf(' '); i >= 0; i = text.indexOf(' ', i + 1)) if (best < 0 || Math.abs(i - middle) < Math.abs(best - middle)) best = i;
  return best < 0 ? [text] : [text.slice(0, best), text.slice(best + 1)];
}

function splitSegment(segment: Segment): Array<Omit<Cue, 'speaker'>> {
  const text = singleLine(segment.text);
  const cue = (start: number, end: number, words: string) => ({ start, end: Math.max(end, start + SHORTEST_CUE), lines: cueLines(words) });
  if (text.length <= CUE_CHARS && segment.end - segment.start <= CUE_LIMITS.seconds) return [cue(segment.start, segment.end, text)];
  const groups: Token[][] = [];
  for (const token of tokens(segment, text)) {
    const group = groups.at(-1);
    const fits = group && [...group, token].map((t) => t.text).join(' ').length <= CUE_CHARS && token.end - group[0]!.start <= CUE_LIMITS.seconds;
    if (fits) group.push(token);
    else groups.push([token]);
  }
  // The first cue starts and the last ends with the segment, as an unsplit one does.
  return groups.map((g, i) =>
    cue(i === 0 ? segment.start : g[0]!.start, i === groups.length - 1 ? segment.end : g.at(-1)!.end, g.map((t) => t.text).join(' ')),
  );
}

/**
 * The segment's words with their times: the aligner's when every word has them, else the text's words with
 * the segment's time shared out by their length in characters.
 */
function tokens(segment: Segment, text: string): Token[] {
  const timed = segment.words.map((w) => ({ text: singleLine(w.word), start: w.start, end: w.end })).filter((w) => w.text !== '');
  if (timed.length > 0 && timed.every((w): w is Token => w.start !== undefined && w.end !== undefined)) return timed;
  const perChar = (segment.end - segment.start) / Math.max(1, text.length);
  const words: Token[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    words.push({ text: m[0], start: segment.start + m.index * perChar, end: segment.start + (m.index + m[0].length) * perChar });
  }
  return words;
}

/** `hh:mm:ss` and milliseconds after `separator`: `,` in SRT, `.` in WebVTT. */
export function cueTime(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}
