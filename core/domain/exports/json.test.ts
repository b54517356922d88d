import { describe, expect, it } from 'vitest';
import { meetingExport } from '../../../test/helpers/meeting-export.js';
import { publicSession, toJson } from './json.js';

describe('the JSON export', () => {
  it('is the session as the API shows it, the documents as stored (labels kept), the speakers’ names and the transcript', () => {
    const meeting = meetingExport();
    const json = toJson(meeting);
    expect(json.endsWith('}\n')).toBe(true);
    expect(JSON.parse(json)).toEqual({
      session: publicSession(meeting.session),
      summary: meeting.summary,
      todos: meeting.todos,
      speakers: { SPEAKER_00: 'Maria', SPEAKER_01: 'Jon' },
      transcript: meeting.transcript,
    });
    expect(json).toContain('"assignee": "SPEAKER_01"');
  });

  it('shows no internal references of the session: user, chat, paths', () => {
    const shown = JSON.stringify(publicSession(meetingExport().session));
    for (const hidden of ['userId', 'origin', 'videoPath', 'uploader', 'options']) expect(shown).not.toContain(hidden);
    expect(Object.keys(publicSession(meetingExport().session))).toEqual([
      'id', 'filename', 'status', 'stage', 'percent', 'createdAt', 'updatedAt', 'contentType', 'durationSeconds', 'language', 'error',
    ]);
  });
});
