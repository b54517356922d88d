import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { meetingExport, NOTES } from '../../../test/helpers/meeting-export.js';
import { applyPatch, newTodo } from '../todo-edit.js';
import { escapeMarkdown, toMarkdown } from './markdown.js';

const PAGE = 'https://notes.example/s/7f1c?t=abc';
/** The day after the meeting: "by Friday" is the 27th, not overdue. */
const NOW = new Date('2026-11-27T08:00:00Z');

const GOLDEN = `# Weekly sync.mp4

- **Date:** 2026-11-26
- **Length:** 00:05:33
- **People:** Maria, Jon

## Summary

Jon will write the release notes.

## Key points

- Release on Friday

## Decisions

- Maria owns the room

## Todos

- [ ] Write the release notes (high · owner Jon · due Fri 27 Nov (by Friday) · [[00:00:03]](${PAGE}#seg-1))
  Before the release
- [ ] Book the room (low · [[00:05:30]](${PAGE}#seg-2))

## Transcript

[[00:00:00]](${PAGE}#seg-0) **Maria:** Can you write the release notes?

[[00:00:03]](${PAGE}#seg-1) **Jon:** Sure, by Friday.

[[00:05:30]](${PAGE}#seg-2) Someone book the room.
`;

/** The text a reader sees once the Markdown is rendered, tags dropped and entities read. */
function visibleText(markdown: string): string {
  const rendered = marked.parse(markdown, { async: false });
  return rendered.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

describe('the Markdown export', () => {
  it('writes title, date, people, summary, decisions, todos with owners, dates and timestamps, and the transcript', () => {
    expect(toMarkdown(meetingExport(), { pageUrl: PAGE, now: NOW })).toBe(GOLDEN);
  });

  it('links each timestamp to its line on the page, and writes it as plain text without a page', () => {
    const html = marked.parse(toMarkdown(meetingExport(), { pageUrl: PAGE, now: NOW }), { async: false });
    expect([...html.matchAll(/<a href="([^"]+)">\[(\d\d:\d\d:\d\d)\]<\/a>/g)].map((m) => [m[2], m[1]])).toEqual([
      ['00:00:03', `${PAGE}#seg-1`],
      ['00:05:30', `${PAGE}#seg-2`],
      ['00:00:00', `${PAGE}#seg-0`],
      ['00:00:03', `${PAGE}#seg-1`],
      ['00:05:30', `${PAGE}#seg-2`],
    ]);
    const plain = toMarkdown(meetingExport(), { now: NOW });
    expect(plain).toContain('- [ ] Book the room (low · [00:05:30])\n');
    expect(plain).toContain('\n[00:00:00] **Maria:** Can you write the release notes?\n');
    expect(marked.parse(plain, { async: false })).not.toContain('<a ');
  });

  it('shows what the LLM and people wrote as written: no link, code, heading, list, HTML or emphasis of theirs', () => {
    const hostile = [
      '[x](javascript:alert(1))',
      '# Not a heading',
      '`rm -rf /`',
      '<script>alert(1)</script>',
      '- not a list',
      '1. not a list either',
      '*not bold* _nor this_ ~~struck~~',
      '![img](https://tracker.example/p.png)',
      '| a | b |',
      '&lt;entity&gt;',
      'see www.evil.example or mail bob@evil.example',
    ];
    const notes = {
      ...NOTES,
      summary: hostile.join('\n\n'),
      keyPoints: hostile,
      todos: hostile.map((task, i) => ({ ...NOTES.todos[0]!, task, context: hostile[(i + 1) % hostile.length]!, assignee: 'SPEAKER_00' })),
    };
    const meeting = { ...meetingExport({ notes, filename: '## [Title](https://evil.example)' }), speakers: { SPEAKER_00: '**Maria** <b>' } };
    const markdown = toMarkdown(meeting, { now: NOW });
    const html = marked.parse(markdown, { async: false });
    expect(html).not.toMatch(/<a |<script|<code|<img|<em>|<del>|<table|<ol/);
    expect([...html.matchAll(/<h1>/g)]).toHaveLength(1);
    expect([...html.matchAll(/<h2>(.*?)<\/h2>/g)].map((m) => m[1])).toEqual(['Summary', 'Key points', 'Decisions', 'Todos', 'Transcript']);
    const text = visibleText(markdown);
    for (const written of [...hostile, '## [Title](https://evil.example)', '**Maria** <b>']) expect(text).toContain(written);
  });

  it('escapes each character that could open markup, and a line start that would make a block', () => {
    expect(escapeMarkdown('a [b](c) `d` <e> #f *g* _h_ ~i~ |j| &k; !l \\m')).toBe('a \\[b\\](c) \\`d\\` \\<e\\> \\#f \\*g\\* \\_h\\_ \\~i\\~ \\|j\\| \\&k; \\!l \\\\m');
    expect(escapeMarkdown('- item')).toBe('\\- item');
    expect(escapeMarkdown('+ item')).toBe('\\+ item');
    expect(escapeMarkdown('2024. A year')).toBe('2024\\. A year');
    expect(escapeMarkdown('follow-up in 2.5 days')).toBe('follow-up in 2.5 days');
    expect(escapeMarkdown('two\nlines')).toBe('two lines');
    expect(escapeMarkdown('https://x.example and WWW.y.example, at 10:30')).toBe('https\\://x.example and WWW\\.y.example, at 10:30');
  });

  it('writes the todos as todos.json holds them after hand edits: edited, added, removed, owners named, who changed them', () => {
    const meeting = meetingExport();
    const at = NOW.toISOString();
    const due = { meetingAt: meeting.session.createdAt, timeZone: 'Europe/Berlin' };
    const [first] = meeting.todos!.todos;
    // The first todo given to Maria (stored as her label) by Ana; the second removed; one added by Ben, owned by Jon.
    const edited = applyPatch(first!, { task: 'Write and send the release notes', assignee: 'SPEAKER_00' }, 'Ana', at, due);
    const added = newTodo('3', { task: 'Order the pizza', assignee: 'SPEAKER_01', due: null, priority: 'low' }, 'Ben', at, due);
    const markdown = toMarkdown({ ...meeting, todos: { ...meeting.todos!, todos: [edited, added] } }, { pageUrl: PAGE, now: NOW });
    const todos = markdown.slice(markdown.indexOf('## Todos'), markdown.indexOf('## Transcript'));
    expect(todos).toBe(
      [
        '## Todos',
        '',
        `- [ ] Write and send the release notes (high · owner Maria · due Fri 27 Nov (by Friday) · edited by Ana · [[00:00:03]](${PAGE}#seg-1))`,
        '  Before the release',
        '- [ ] Order the pizza (low · owner Jon · added by Ben)',
        '',
        '',
      ].join('\n'),
    );
  });

  it('names the meeting after its day when the recording has no name, and says when nothing was said', () => {
    const markdown = toMarkdown(meetingExport({ filename: null, segments: [] }), { now: NOW });
    expect(markdown).toMatch(/^# Meeting of 2026-11-26\n/);
    expect(markdown).toContain('\n## Transcript\n\nNothing was said in this recording.\n');
    expect(markdown).not.toContain('**People:**');
  });
});
