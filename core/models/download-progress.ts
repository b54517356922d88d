import { formatBytes } from '../ingest/byte-limit.js';
import type { Logger } from '../logger.js';

export interface DownloadProgress {
  file: string;
  /** Bytes of the file on disk so far, counting those kept from an earlier run. */
  receivedBytes: number;
  totalBytes: number | null;
  /** Whole percent, 100 only once the file is complete; null while the size is unknown. */
  percent: number | null;
}

export interface ProgressReporter {
  update(receivedBytes: number, totalBytes: number | null): void;
  /** The file is complete and verified: always reported, however soon after the last update. */
  finish(bytes: number): void;
}

const CALLBACK_EVERY_MS = 500;
/** Without a known size there are no tenths to log at. */
const LOG_EVERY_BYTES_UNSIZED = 100_000_000;

/** Byte counts as progress callbacks at most every half second, and an info line every tenth of the way. */
export function progressReporter(
  what: { name: string; file: string },
  log: Logger,
  onProgress?: (progress: DownloadProgress) => void,
): ProgressReporter {
  let lastCallAt = -Infinity;
  let loggedStep = 0;
  return {
    update(receivedBytes, totalBytes) {
      const percent = totalBytes ? Math.min(99, Math.floor((receivedBytes * 100) / totalBytes)) : null;
      const step = percent !== null ? Math.floor(percent / 10) : Math.floor(receivedBytes / LOG_EVERY_BYTES_UNSIZED);
      if (step > loggedStep) {
        loggedStep = step;
        log.info(`downloading ${what.name}: ${totalBytes ? `${percent} % of ${formatBytes(totalBytes)}` : `${formatBytes(receivedBytes)} so far`}`);
      }
      if (onProgress && Date.now() - lastCallAt >= CALLBACK_EVERY_MS) {
        lastCallAt = Date.now();
        onProgress({ file: what.file, receivedBytes, totalBytes, percent });
      }
    },
    finish(bytes) {
      log.info(`downloading ${what.name}: 100 % of ${formatBytes(bytes)}`);
      onProgress?.({ file: what.file, receivedBytes: bytes, totalBytes: bytes, percent: 100 });
    },
  };
}
