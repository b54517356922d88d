import type { MeetingExport } from '../../core/domain/exports/index.js';
import type { Session } from '../../core/domain/session.js';
import { buildDocuments, type MeetingNotes } from '../../core/domain/todos.js';
import type { Segment, StoredTranscript } from '../../core/domain/transcript.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';

export const MEETING_ID = '7f1c2a34-5b6d-4e8f-9a0b-1c2d3e4f5a6b';
/** Thursday 26 November 2026, 10:00 in Berlin. */
export const MEETING_AT = new Date('2026-11-26T09:00:00Z');

/** Two people, both named, and one line no one was identified in. */
export const SEGMENTS: Segment[] = [
  {
    id: 0,
    start: 0.5,
    end: 3.25,
    text: 'Can you write the release notes?',
    speaker: 'SPEAKER_00',
    words: [
      { word: 'Can', start: 0.5, end: 0.7 },
      { word: 'you', start: 0.7, end: 0.9 },
      { word: 'write', start: 0.9, end: 1.3 },
      { word: 'the', start: 1.3, end: 1.4 },
      { word: 'release', start: 1.4, end: 2 },
      { word: 'notes?', start: 2, end: 3.25 },
    ],
  },
  { id: 1, start: 3.5, end: 5, text: 'Sure, by Friday.', speaker: 'SPEAKER_01', words: [] },
  { id: 2, start: 330, end: 332.125, text: 'Someone book the room.', words: [] },
];

export const NOTES: MeetingNotes = {
  summary: 'SPEAKER_01 will write the release notes.',
  keyPoints: ['Release on Friday'],
  decisions: ['SPEAKER_00 owns the room'],
  todos: [
    { task: 'Write the release notes', priority: 'high', context: 'Before the release', assignee: 'SPEAKER_01', due: 'by Friday', segments: [1], timestamp: '00:00:03' },
    { task: 'Book the room', priority: 'low', context: '', assignee: null, due: null, segments: [2], timestamp: '00:05:30' },
  ],
  estimatedTime: null,
};

export function transcriptOf(segments: Segment[]): StoredTranscript {
  return { session_id: MEETING_ID, generated_at: MEETING_AT.toISOString(), engine: 'whisperx', model: null, duration: 333, language: 'en', segments, word_segments: segments.flatMap((s) => s.words) };
}

/** A finished meeting of 5:33 called "Weekly sync.mp4", its speakers named Maria and Jon. */
export function meetingExport({ segments = SEGMENTS, notes = NOTES, filename = 'Weekly sync.mp4' }: { segments?: Segment[]; notes?: MeetingNotes; filename?: string | null } = {}): MeetingExport {
  const { todos, summary } = buildDocuments(MEETING_ID, notes, MEETING_AT, { at: MEETING_AT, timeZone: 'Europe/Berlin' });
  const session: Session = {
    id: MEETING_ID,
    userId: '00000000-0000-4000-8000-000000000001',
    filename,
    title: null,
    status: 'COMPLETED',
    stage: 'done',
    percent: 100,
    createdAt: MEETING_AT,
    updatedAt: MEETING_AT,
    videoPath: null,
    transcriptPath: null,
    todosPath: null,
    summaryPath: null,
    origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
    sourceKind: 'upload',
    uploader: null,
    timeZone: 'Europe/Berlin',
    sizeBytes: null,
    contentType: 'video/mp4',
    durationSeconds: 333,
    language: 'en',
    options: DEFAULT_OPTIONS,
    errorCode: null,
    errorMessage: null,
    attempts: 1,
    resultsMessageRefs: [],
    notesVersion: 1,
  };
  return { session, transcript: transcriptOf(segments), summary, todos, speakers: { SPEAKER_00: 'Maria', SPEAKER_01: 'Jon' } };
}
