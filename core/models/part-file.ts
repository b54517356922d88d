import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export type ChecksumAlgorithm = 'sha256' | 'sha1';

/**
 * The `.part` file of a download and a checksum of exactly the bytes in it. A part left by an earlier run is
 * hashed from disk only once its download resumes, so a server that restarts from zero costs no reading.
 */
export class PartFile {
  /** Covers all `size` bytes once set. */
  private hash: Hash | null = null;

  /** Whether it still holds bytes an earlier run wrote (they are what is wrong, should the file not verify). */
  keepsEarlierRun: boolean;

  private constructor(
    readonly path: string,
    private readonly algorithm: ChecksumAlgorithm,
    /** Bytes in the file, all written in full. */
    public size: number,
  ) {
    this.keepsEarlierRun = size > 0;
  }

  static async open(path: string, algorithm: ChecksumAlgorithm): Promise<PartFile> {
    const size = await stat(path).then(
      (found) => found.size,
      (err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        return 0;
      },
    );
    return new PartFile(path, algorithm, size);
  }

  /** Empties the file, to download from the start. */
  async restart(): Promise<void> {
    await writeFile(this.path, '');
    this.size = 0;
    this.keepsEarlierRun = false;
    this.hash = createHash(this.algorithm);
  }

  /** Appends the chunks as they come, each written in full before it counts; synced once they end. */
  async append(chunks: AsyncIterable<Buffer>, onSize: (size: number) => void): Promise<void> {
    const hash = await this.hashed();
    const file = await open(this.path, 'a');
    try {
      for await (const chunk of chunks) {
        await writeAll(file, chunk);
        hash.update(chunk);
        this.size += chunk.length;
        onSize(this.size);
      }
      await file.sync();
    } finally {
      await file.close();
    }
  }

  /** Hex checksum of the whole file as it is now. */
  async digest(): Promise<string> {
    return (await this.hashed()).copy().digest('hex');
  }

  private async hashed(): Promise<Hash> {
    if (this.hash) return this.hash;
    const hash = createHash(this.algorithm);
    if (this.size > 0) {
      for await (const chunk of createReadStream(this.path, { start: 0, end: this.size - 1 })) hash.update(chunk as Buffer);
    }
    this.hash = hash;
    return hash;
  }
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  for (let written = 0; written < chunk.length; ) written += (await file.write(chunk, written)).bytesWritten;
}
