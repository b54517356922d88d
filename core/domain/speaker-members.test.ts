import { describe, expect, it } from 'vitest';
import { isMemberLink, meetingNames, speakerSamples, todoMembers } from './speaker-members.js';
import { buildDocuments, type MeetingNotes } from './todos.js';
import type { StoredTranscript } from './transcript.js';

const todo = (task: string, assignee: string | null): MeetingNotes['todos'][number] => ({ task, priority: 'medium', context: '', assignee, due: null, segments: [], timestamp: null });
const todos = (...assignees: Array<string | null>) =>
  buildDocuments('7f1c0000-0000-4000-8000-000000000000', { summary: '', keyPoints: [], decisions: [], todos: assignees.map((a, i) => todo(`Task ${i + 1}`, a)), estimatedTime: null }, new Date()).todos;

describe('speakers linked to members', () => {
  it('take the names the meeting says from todo owners that are no label, in order, once each', () => {
    expect(meetingNames(todos('SPEAKER_01', 'Maria', null, 'Ali', 'maria ', 'SPEAKER_00'))).toEqual(['Maria', 'Ali']);
    expect(meetingNames(null)).toEqual([]);
  });

  it('sample each speaker by the first words of their first segment, in the order they first speak', () => {
    const segment = (id: number, text: string, speaker?: string) => ({ id, start: id, end: id + 1, text, words: [], ...(speaker && { speaker }) });
    const transcript: StoredTranscript = {
      session_id: 's',
      generated_at: '2026-12-06T10:00:00.000Z',
      engine: 'whisperx',
      model: null,
      duration: 4,
      language: 'en',
      segments: [segment(0, 'No one said this.'), segment(1, 'one two three four five six seven eight nine ten eleven twelve thirteen', 'SPEAKER_01'), segment(2, 'Hi.', 'SPEAKER_00'), segment(3, 'Later words.', 'SPEAKER_01')],
      word_segments: [],
    };
    expect(speakerSamples(transcript, { SPEAKER_00: 'Ali' }, { SPEAKER_00: 'U0ALI' })).toEqual([
      { label: 'SPEAKER_01', shown: 'Speaker 2', memberId: null, sample: 'one two three four five six seven eight nine ten eleven twelve …' },
      { label: 'SPEAKER_00', shown: 'Ali', memberId: 'U0ALI', sample: 'Hi.' },
    ]);
  });

  it('mention a member on the todos their speaker owns, by todo id', () => {
    expect(todoMembers(todos('SPEAKER_01', 'Maria', 'SPEAKER_00', null), { SPEAKER_01: 'U0MARIA' })).toEqual({ '1': 'U0MARIA' });
    expect(todoMembers(todos('constructor'), {})).toEqual({});
  });

  it('tell a member link from a typed name', () => {
    expect([isMemberLink({ memberId: 'U0', name: 'a' }), isMemberLink('Maria'), isMemberLink(null)]).toEqual([true, false, false]);
  });
});
