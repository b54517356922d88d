import { describe, expect, it } from 'vitest';
import { meetingExport, NOTES } from '../../../test/helpers/meeting-export.js';
import { toText } from './text.js';

const NOW = new Date('2026-11-27T08:00:00Z');

const GOLDEN = `Weekly sync.mp4
Date: 2026-11-26
Length: 00:05:33
People: Maria, Jon

Summary
  Jon will write the release notes.

Key points
  - Release on Friday

Decisions
  - Maria owns the room

Todos
  [ ] Write the release notes
      high · owner Jon · due Fri 27 Nov (by Friday) · 00:00:03
      Before the release
  [ ] Book the room
      low · 00:05:30

Transcript
  [00:00:00] Maria: Can you write the release notes?
  [00:00:03] Jon: Sure, by Friday.
  [00:05:30] Someone book the room.
`;

describe('the plain text export', () => {
  it('writes the notes and the transcript, speakers named', () => {
    expect(toText(meetingExport(), { now: NOW })).toBe(GOLDEN);
  });

  it('keeps each entry on one clean line: no line breaks, escape sequences or bidi controls of the writer’s', () => {
    const notes = { ...NOTES, todos: [{ ...NOTES.todos[0]!, task: 'Ship\nit \u001b[31mnow\u202e', context: '' }] };
    const text = toText(meetingExport({ notes }), { now: NOW });
    expect(text).toContain('\n  [ ] Ship it now\n      high · owner Jon');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u202e');
  });

  it('marks a ticked todo and who ticked it, and an overdue one', () => {
    const meeting = meetingExport();
    const todos = { ...meeting.todos!, todos: meeting.todos!.todos.map((t) => (t.id === '2' ? { ...t, completed: true, completed_by: 'Ana' } : t)) };
    const text = toText({ ...meeting, todos }, { now: new Date('2026-12-01T08:00:00Z') });
    expect(text).toContain('  [ ] Write the release notes\n      high · owner Jon · due Fri 27 Nov (by Friday), overdue · 00:00:03\n');
    expect(text).toContain('  [x] Book the room\n      low · ticked by Ana · 00:05:30\n');
  });
});
