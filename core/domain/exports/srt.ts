import { cueTime, transcriptCues, type Cue } from './cues.js';
import type { MeetingExport } from './meeting.js';

/**
 * SubRip has no escapes: a line holding `-->` could be read as a timing line, so the arrow loses a dash.
 * (A blank line would end the cue; cue text is already one line per line.)
 */
const srtText = (text: string) => text.replaceAll('-->', '->');

function srtCue(cue: Cue, index: number): string {
  const [first = '', ...rest] = cue.lines.map(srtText);
  const speaker = cue.speaker ? `${srtText(cue.speaker)}: ` : '';
  return [String(index + 1), `${cueTime(cue.start, ',')} --> ${cueTime(cue.end, ',')}`, `${speaker}${first}`, ...rest].join('\n');
}

/** The transcript as SubRip subtitles, "Maria: …" in each cue; no transcript lines, no cues (an empty file). */
export function toSrt({ transcript, speakers }: Pick<MeetingExport, 'transcript' | 'speakers'>): string {
  return transcriptCues(transcript, speakers)
    .map((cue, i) => `${srtCue(cue, i)}\n\n`)
    .join('');
}
