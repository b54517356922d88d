import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type { ObjectRef, StorageLayout } from '../domain/storage-layout.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { tooLong } from '../media/media-length.js';
import type { ObjectStore } from '../storage/object-store.js';
import { ByteLimit, tooLarge } from './byte-limit.js';
import { readHead, sniffMedia } from './media-sniff.js';
import type { SafeFetcher } from './safe-fetch.js';

/** Where a recording comes from: a link to fetch, or a stream handed over (a chat attachment, a local file). */
export type MediaSource =
  | { kind: 'link'; url: string; headers?: Record<string, string> }
  | { kind: 'stream'; body: Readable; filename: string | null; sizeBytes?: number | null };

/** What ffprobe (or another prober) says about a stored object, read through a URL. */
export type MediaProbe = (url: string) => Promise<{ durationSeconds: number; hasAudio: boolean }>;

export interface IngestedMedia {
  ref: ObjectRef;
  bytes: number;
  ext: string;
  contentType: string;
  filename: string | null;
  durationSeconds: number;
}

export interface IngestProgress {
  (bytes: number, totalBytes: number | null): void;
}

export interface IngestDeps {
  store: ObjectStore;
  layout: StorageLayout;
  fetcher: SafeFetcher;
  probe: MediaProbe;
  maxMediaBytes: number;
  /** Longest recording accepted, by the duration the container states. */
  maxMediaSeconds: number;
  log: Logger;
}

/** Enough for every container signature media-sniff knows, MPEG-TS's three sync bytes included. */
const SNIFF_BYTES = 4096;

const unreadable = () =>
  new AppError('CORRUPT_MEDIA', "We couldn't read this recording: the file looks damaged or incomplete. Try exporting or uploading it again.");

/**
 * Streams a recording into `video-files/{id}/original.{ext}`: checked by its first bytes, capped in size
 * while streaming, then probed (sound track, length). Anything refused leaves no object behind.
 */
export class IngestService {
  constructor(private readonly deps: IngestDeps) {}

  async ingest(sessionId: string, source: MediaSource, onProgress: IngestProgress, signal?: AbortSignal): Promise<IngestedMedia> {
    const { store, layout, maxMediaBytes } = this.deps;
    const opened = await this.open(source, signal);
    if (opened.sizeBytes !== null && opened.sizeBytes > maxMediaBytes) {
      opened.body.destroy();
      throw tooLarge(maxMediaBytes, opened.sizeBytes);
    }

    const { head, stream } = await readHead(opened.body, SNIFF_BYTES);
    const media = sniffMedia(head);
    if (!media) {
      stream.destroy();
      throw new AppError(
        'UNSUPPORTED_MEDIA',
        "That file isn't a video or audio recording we can read. Send an MP4, MOV, WebM, MKV, AVI, MP3, M4A, WAV, OGG or FLAC file.",
      );
    }

    const ref = layout.original(sessionId, media.ext);
    const limit = new ByteLimit(maxMediaBytes);
    // pipeline() destroys both ends on error, so a source failure also fails the upload.
    const body = pipeline(stream, limit, () => undefined);
    const { bytes } = await store.upload(ref, body, {
      contentType: media.contentType,
      signal,
      onProgress: (n) => onProgress(n, opened.sizeBytes),
    });

    try {
      const probed = await this.deps.probe(await store.presignGet(ref, 900));
      if (!probed.hasAudio) {
        throw new AppError('NO_AUDIO', 'This recording has no sound track, so there is nothing to transcribe.');
      }
      // A few kilobytes can claim hours of audio (silence compresses to nothing): refused before any work.
      if (probed.durationSeconds > this.deps.maxMediaSeconds) throw tooLong(this.deps.maxMediaSeconds, probed.durationSeconds);
      return { ref, bytes, ext: media.ext, contentType: media.contentType, filename: opened.filename, durationSeconds: probed.durationSeconds };
    } catch (err) {
      await store.deletePrefix(ref).catch((e: unknown) => this.deps.log.warn({ err: e, sessionId }, 'refused upload not deleted'));
      throw err instanceof AppError ? err : unreadable();
    }
  }

  private async open(source: MediaSource, signal?: AbortSignal): Promise<{ body: Readable; sizeBytes: number | null; filename: string | null }> {
    if (source.kind === 'stream') {
      return { body: source.body, sizeBytes: source.sizeBytes ?? null, filename: source.filename };
    }
    const remote = await this.deps.fetcher.open(source.url, { headers: source.headers, signal });
    return { body: remote.body, sizeBytes: remote.contentLength, filename: remote.filename };
  }
}
