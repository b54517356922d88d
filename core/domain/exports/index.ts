import { toJson } from './json.js';
import { toMarkdown } from './markdown.js';
import { meetingTitle, type ExportOptions, type MeetingExport } from './meeting.js';
import { toSrt } from './srt.js';
import { toText } from './text.js';
import { toVtt } from './vtt.js';

export type { ExportOptions, MeetingExport } from './meeting.js';

export const EXPORT_FORMATS = ['md', 'txt', 'srt', 'vtt', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const isExportFormat = (format: string): format is ExportFormat => (EXPORT_FORMATS as readonly string[]).includes(format);

interface FormatInfo {
  /** What a person picks it by (the page's link, the chat button). */
  label: string;
  contentType: string;
  render: (meeting: MeetingExport, options: ExportOptions) => string;
}

/** Each export format: its file's extension is the format's name (docs/architecture.md#exports). */
export const EXPORTS: Readonly<Record<ExportFormat, FormatInfo>> = {
  md: { label: 'Markdown', contentType: 'text/markdown; charset=utf-8', render: toMarkdown },
  txt: { label: 'Text', contentType: 'text/plain; charset=utf-8', render: toText },
  srt: { label: 'Subtitles (SRT)', contentType: 'application/x-subrip; charset=utf-8', render: toSrt },
  vtt: { label: 'Subtitles (WebVTT)', contentType: 'text/vtt; charset=utf-8', render: toVtt },
  json: { label: 'JSON', contentType: 'application/json; charset=utf-8', render: toJson },
};

/** A file to hand over: its safe name, its type and its content. */
export interface ExportFile {
  filename: string;
  contentType: string;
  body: string;
}

/** A recording's extension at the end of a title ("standup.mp4"), left out of the file's name. */
const MEDIA_EXTENSION = /\.[a-z][a-z0-9]{1,4}$/i;
const MAX_NAME = 80;

/**
 * The export's file name: the title in ASCII letters, digits, dots and dashes (accents dropped, anything
 * else a dash), at most 80 characters, then the format's extension; "meeting" when nothing is left. Safe in
 * a Content-Disposition header, a chat upload and any file system.
 */
export function exportFilename(title: string, format: ExportFormat): string {
  const base = title
    .replace(MEDIA_EXTENSION, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .slice(0, MAX_NAME)
    .replace(/^[-.]+|[-.]+$/g, '');
  return `${base || 'meeting'}.${format}`;
}

/** The meeting exported as `format`. */
export function exportMeeting(meeting: MeetingExport, format: ExportFormat, options: ExportOptions = {}): ExportFile {
  const { contentType, render } = EXPORTS[format];
  return { filename: exportFilename(meetingTitle(meeting), format), contentType, body: render(meeting, options) };
}
