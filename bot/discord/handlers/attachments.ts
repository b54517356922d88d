import type { Attachment } from 'discord.js';
import { tooLarge } from '../../../core/ingest/byte-limit.js';
import type { AppError } from '../../../core/errors.js';

/** Names Discord may send without a content type; ingest checks the real bytes anyway. */
const MEDIA_EXTENSIONS = /\.(mp4|m4v|mov|webm|mkv|avi|mp3|m4a|wav|ogg|oga|opus|flac|aac)$/i;

export function isMediaAttachment(a: Pick<Attachment, 'contentType' | 'name'>): boolean {
  if (a.contentType) return /^(video|audio)\//i.test(a.contentType);
  return MEDIA_EXTENSIONS.test(a.name);
}

/** Refused before anything is downloaded: Discord tells us the size up front. */
export function oversize(a: Pick<Attachment, 'size'>, maxMediaBytes: number): AppError | null {
  return a.size > maxMediaBytes ? tooLarge(maxMediaBytes, a.size) : null;
}
