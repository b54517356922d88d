import { cueTime, transcriptCues, type Cue } from './cues.js';
import type { MeetingExport } from './meeting.js';

const VTT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
/** Cue text and a voice's annotation with `&`, `<` and `>` escaped: no tag can be opened, and `-->` becomes `--&gt;`. */
const vttText = (text: string) => text.replace(/[&<>]/g, (c) => VTT_ESCAPES[c]!);

function vttCue(cue: Cue): string {
  const voice = cue.speaker ? `<v ${vttText(cue.speaker)}>` : '';
  const [first = '', ...rest] = cue.lines.map(vttText);
  return [`${cueTime(cue.start, '.')} --> ${cueTime(cue.end, '.')}`, `${voice}${first}`, ...rest].join('\n');
}

/** The transcript as WebVTT subtitles, each speaker in a `<v Maria>` voice tag; no transcript lines, only the header. */
export function toVtt({ transcript, speakers }: Pick<MeetingExport, 'transcript' | 'speakers'>): string {
  return ['WEBVTT\n', ...transcriptCues(transcript, speakers).map((cue) => `${vttCue(cue)}\n`)].join('\n');
}
