import type { Readable } from 'node:stream';
import { storageUnavailable } from './storage-unavailable.js';

/**
 * An upload's body as every object store reads it: Buffers, counted, through our own generator, which tells
 * a failing source apart from a failing store. Aborting the signal destroys the body, so the read ends at
 * once and nothing is still writing when the store cleans up. `close()` once the upload is over.
 */
export class UploadSource {
  /** Bytes read from the body so far. */
  bytes = 0;
  private sourceError: unknown;
  private readonly cancel = () => this.body.destroy(this.signal?.reason as Error);

  private constructor(
    private readonly body: Readable,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.cancel, { once: true });
  }

  /** Starts reading; with the signal already aborted, destroys the body and throws the signal's reason. */
  static open(body: Readable, signal?: AbortSignal): UploadSource {
    if (signal?.aborted) {
      body.destroy();
      throw signal.reason;
    }
    return new UploadSource(body, signal);
  }

  async *chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of this.body as AsyncIterable<Buffer | string>) {
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        this.bytes += data.length;
        yield data;
      }
    } catch (err) {
      this.sourceError = err;
      throw err;
    }
  }

  /**
   * What a failed upload rejects with: the abort's reason, else the source's own error, else the store's
   * (as STORAGE_UNAVAILABLE). Decided before the body is destroyed here, which may fail a read late.
   */
  failure(storeError: unknown): unknown {
    const failure: unknown = this.signal?.aborted
      ? this.signal.reason
      : this.sourceError !== undefined
        ? this.sourceError
        : storageUnavailable(storeError);
    this.body.destroy();
    return failure;
  }

  close(): void {
    this.signal?.removeEventListener('abort', this.cancel);
  }
}
