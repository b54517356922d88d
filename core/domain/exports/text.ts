import { singleLine } from '../display-name.js';
import type { ExportOptions, MeetingExport } from './meeting.js';
import { notesView } from './notes.js';

/** The meeting as plain text: the Markdown notes' content without markup, each entry on one clean line. */
export function toText(meeting: MeetingExport, options: ExportOptions = {}): string {
  const v = notesView(meeting, options.now ?? new Date());
  const section = (heading: string, lines: string[]) => (lines.length ? ['', heading, ...lines] : []);
  const out = [singleLine(v.title), `Date: ${v.day}`];
  if (v.length) out.push(`Length: ${v.length}`);
  if (v.people.length) out.push(`People: ${v.people.map(singleLine).join(', ')}`);
  out.push(...section('Summary', v.summary.map((p) => `  ${singleLine(p)}`)));
  out.push(...section('Key points', v.keyPoints.map((k) => `  - ${singleLine(k)}`)));
  out.push(...section('Decisions', v.decisions.map((d) => `  - ${singleLine(d)}`)));
  const todos = v.todos.flatMap((t) => [
    `  [${t.done ? 'x' : ' '}] ${singleLine(t.task)}`,
    `      ${[...t.details, ...(t.at ? [t.at.label] : [])].map(singleLine).join(' · ')}`,
    ...(t.context ? [`      ${singleLine(t.context)}`] : []),
  ]);
  out.push(...section('Todos', [...todos, ...(v.dropped ? [`  ${v.dropped}`] : [])]));
  out.push('', 'Transcript');
  if (v.speakerNote) out.push(`  (${singleLine(v.speakerNote)})`);
  for (const l of v.transcript) out.push(`  [${l.at.label}] ${l.speaker ? `${singleLine(l.speaker)}: ` : ''}${singleLine(l.text)}`);
  return `${out.join('\n')}\n`;
}
