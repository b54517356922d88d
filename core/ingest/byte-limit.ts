import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../errors.js';

export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function tooLarge(max: number, size?: number): AppError {
  const what = size === undefined ? 'This file is larger than' : `This file is ${formatBytes(size)}; the limit is`;
  return new AppError('MEDIA_TOO_LARGE', `${what} ${formatBytes(max)}. Trim or compress the recording and try again.`);
}

/** Passes bytes through and fails the stream as soon as more than `max` have gone by. */
export class ByteLimit extends Transform {
  bytes = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) done(tooLarge(this.max));
    else done(null, chunk);
  }
}
