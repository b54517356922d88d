import { describe, expect, it } from 'vitest';
import { meetingExport } from '../../../test/helpers/meeting-export.js';
import { EXPORT_FORMATS, exportFilename, exportMeeting, isExportFormat } from './index.js';

describe('exporting a meeting', () => {
  it('names each file after the meeting, with the format’s extension and content type', () => {
    const files = EXPORT_FORMATS.map((format) => exportMeeting(meetingExport(), format));
    expect(files.map((f) => [f.filename, f.contentType])).toEqual([
      ['Weekly-sync.md', 'text/markdown; charset=utf-8'],
      ['Weekly-sync.txt', 'text/plain; charset=utf-8'],
      ['Weekly-sync.srt', 'application/x-subrip; charset=utf-8'],
      ['Weekly-sync.vtt', 'text/vtt; charset=utf-8'],
      ['Weekly-sync.json', 'application/json; charset=utf-8'],
    ]);
    expect(exportMeeting(meetingExport({ filename: null }), 'json').filename).toBe('Meeting-of-2026-11-26.json');
  });

  it('makes a file name safe for a header, a chat upload and any file system, whatever the title', () => {
    expect(exportFilename('Réunion d’équipe 03/12.webm', 'srt')).toBe('Reunion-d-equipe-03-12.srt');
    expect(exportFilename('../../etc/passwd', 'txt')).toBe('etc-passwd.txt');
    expect(exportFilename('a"b\r\nContent-Type: x', 'md')).toBe('a-b-Content-Type-x.md');
    expect(exportFilename('会議', 'vtt')).toBe('meeting.vtt');
    expect(exportFilename('Roadmap v1.2', 'md')).toBe('Roadmap-v1.2.md');
    expect(exportFilename('x'.repeat(300), 'md')).toBe(`${'x'.repeat(80)}.md`);
  });

  it('knows its formats', () => {
    expect(EXPORT_FORMATS.filter(isExportFormat)).toEqual(['md', 'txt', 'srt', 'vtt', 'json']);
    expect(['pdf', 'MD', '', 'constructor'].filter(isExportFormat)).toEqual([]);
  });
});
