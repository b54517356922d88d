import { AppError } from '../errors.js';

/** `4 h`, `1 h 30 min`, `45 s`: a length as people read it (seconds only below an hour). */
export function formatLength(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [h > 0 ? `${h} h` : '', min > 0 ? `${min} min` : '', h === 0 && s > 0 ? `${s} s` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : '0 s';
}

/** A recording over MAX_MEDIA_SECONDS; `seconds` when its length is known, else it is only known to be over. */
export function tooLong(maxSeconds: number, seconds?: number): AppError {
  const what = seconds === undefined ? 'This recording is longer than' : `This recording is ${formatLength(seconds)} long; the limit is`;
  return new AppError('MEDIA_TOO_LONG', `${what} ${formatLength(maxSeconds)}. Split it into shorter parts and send them one at a time.`);
}
