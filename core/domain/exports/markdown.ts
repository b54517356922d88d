import { singleLine } from '../display-name.js';
import type { ExportOptions, MeetingExport } from './meeting.js';
import { notesView, type Moment } from './notes.js';

/** Punctuation that can start markup anywhere in a line: emphasis, code, links, HTML, entities, tables, strikethrough, e-mail autolinks. */
const INLINE_MARKUP = /[\\`*_{}[\]<>#|~&!@]/g;
/** Where GFM would turn a bare address into a link: `scheme://` and `www.`. */
const BARE_LINK = /:(?=\/\/)|(?<=\bwww)\./gi;
/** What makes a heading, list, quote, rule or setext underline when a line starts with it. */
const LINE_START_MARKUP = /^(\s*)([-+=]|\d+(?=[.)]))/;

/**
 * Text someone wrote (the LLM, a person editing a todo, a speaker's name) as Markdown that shows it as written
 * and nothing else: one line, every character that could open markup escaped, so a `[x](javascript:…)`, a
 * bare address, a backtick or a leading `#` is only text.
 */
export function escapeMarkdown(text: string): string {
  return singleLine(text)
    .replace(INLINE_MARKUP, (c) => `\\${c}`)
    .replace(BARE_LINK, (c) => `\\${c}`)
    .replace(LINE_START_MARKUP, (_, space: string, mark: string) => (/^\d/.test(mark) ? `${space}${mark}\\` : `${space}\\${mark}`));
}

/**
 * The meeting as Markdown notes: title, date, people, summary, key points, decisions, todos with owners,
 * dates and timestamps, then the transcript. Timestamps link into the status page when `pageUrl` is given.
 */
export function toMarkdown(meeting: MeetingExport, options: ExportOptions = {}): string {
  const v = notesView(meeting, options.now ?? new Date());
  const at = (m: Moment) => (options.pageUrl ? `[[${m.label}]](${options.pageUrl}#seg-${m.segment})` : `[${m.label}]`);
  const list = (items: string[]) => items.map((item) => `- ${escapeMarkdown(item)}`);
  const out = [`# ${escapeMarkdown(v.title)}`, ''];
  out.push(`- **Date:** ${v.day}`);
  if (v.length) out.push(`- **Length:** ${v.length}`);
  if (v.people.length) out.push(`- **People:** ${v.people.map(escapeMarkdown).join(', ')}`);
  if (v.summary.length) out.push('', '## Summary', '', ...v.summary.flatMap((p) => [escapeMarkdown(p), '']).slice(0, -1));
  if (v.keyPoints.length) out.push('', '## Key points', '', ...list(v.keyPoints));
  if (v.decisions.length) out.push('', '## Decisions', '', ...list(v.decisions));
  if (v.todos.length || v.dropped) out.push('', '## Todos', '');
  for (const t of v.todos) {
    const details = [...t.details.map(escapeMarkdown), ...(t.at ? [at(t.at)] : [])].join(' · ');
    out.push(`- [${t.done ? 'x' : ' '}] ${escapeMarkdown(t.task)}${details ? ` (${details})` : ''}`);
    if (t.context) out.push(`  ${escapeMarkdown(t.context)}`);
  }
  if (v.dropped) out.push('', escapeMarkdown(v.dropped));
  out.push('', '## Transcript', '');
  if (v.speakerNote) out.push(`*${escapeMarkdown(v.speakerNote)}*`, '');
  if (v.transcript.length === 0) out.push('Nothing was said in this recording.');
  out.push(...v.transcript.flatMap((l) => [`${at(l.at)} ${l.speaker ? `**${escapeMarkdown(l.speaker)}:** ` : ''}${escapeMarkdown(l.text)}`, '']).slice(0, -1));
  return `${out.join('\n')}\n`;
}
