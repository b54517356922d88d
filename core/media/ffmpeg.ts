import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { tooLong } from './media-length.js';

/**
 * Audio extraction with ffmpeg. `input` is a local path or an http(s) URL — in production a presigned
 * MinIO URL, which ffmpeg reads with range requests, so the video is never downloaded whole. The URL is a
 * credential: it never reaches logs or error messages.
 */

export interface MediaInfo {
  /** 0 when the container does not say (browser-recorded WebM often doesn't). */
  durationSeconds: number;
  hasAudio: boolean;
  hasVideo: boolean;
  /** ffprobe's format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  formatName: string;
}

export interface ExtractOptions {
  /** Length of the input, for progress fractions; probed when missing and progress is wanted. */
  durationSeconds?: number;
  onProgress?: (fraction: number) => void;
  /** Aborting kills ffmpeg; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Most seconds of audio to write: the probed length comes from a header that may lie, and a few kilobytes
   * can decode into hours. Longer input fails with MEDIA_TOO_LONG once this much has been written.
   */
  maxSeconds?: number;
}

/** A stalled storage read fails (and is retried by the job) instead of hanging it; ffmpeg counts in µs. */
const URL_READ_TIMEOUT_US = String(60 * 1_000_000);

const isUrl = (input: string) => /^https?:\/\//i.test(input);

/**
 * `file:` keeps a local name with a colon or a leading dash from being read as a protocol or an option. A
 * `file://` URL (the local object store's link) becomes its path: ffmpeg would not decode its `%20`s.
 */
function inputArgs(input: string): string[] {
  if (isUrl(input)) return ['-rw_timeout', URL_READ_TIMEOUT_US, '-i', input];
  return ['-i', `file:${/^file:\/\//i.test(input) ? fileURLToPath(input) : input}`];
}

const probeSchema = z.object({
  streams: z
    .array(
      z.object({
        codec_type: z.string().optional(),
        duration: z.string().optional(),
        disposition: z.object({ attached_pic: z.number().optional() }).optional(),
      }),
    )
    .default([]),
  format: z.object({ format_name: z.string().default(''), duration: z.string().optional() }),
});

/** What the container says about itself; for a URL, a few range requests rather than a download. */
export async function probeMedia(input: string, signal?: AbortSignal): Promise<MediaInfo> {
  const run = await runTool(
    'ffprobe',
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...inputArgs(input)],
    { signal },
  );
  if (run.code !== 0) throw toolFailure('ffprobe', run, input);
  const parsed = probeSchema.safeParse(safeJson(run.stdout));
  if (!parsed.success) {
    throw new AppError('CORRUPT_MEDIA', CORRUPT_SENTENCE, false, { cause: new Error(`ffprobe output: ${parsed.error.message}`) });
  }
  const { streams, format } = parsed.data;
  const formatDuration = Number(format.duration);
  const streamDurations = streams.map((s) => Number(s.duration)).filter((d) => d > 0);
  return {
    durationSeconds: formatDuration > 0 ? formatDuration : Math.max(0, ...streamDurations),
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    // Cover art in an audio file is a "video" stream too; it is not a picture worth keeping.
    hasVideo: streams.some((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1),
    formatName: format.format_name,
  };
}

/**
 * Writes the first audio stream of `input` to `outPath` as 16 kHz mono 16-bit FLAC (what WhisperX resamples
 * to anyway; lossless and about half the size of WAV). A failed or aborted run leaves no file behind.
 */
export async function extractAudio(input: string, outPath: string, opts: ExtractOptions = {}): Promise<{ durationSeconds: number }> {
  const { onProgress, signal, maxSeconds } = opts;
  // A second of slack: reaching the cap means the sound runs on past the limit, while a recording a codec's
  // padding over it still passes.
  const capSeconds = maxSeconds === undefined ? undefined : maxSeconds + 1;
  const total = opts.durationSeconds ?? (onProgress ? (await probeMedia(input, signal)).durationSeconds : 0);
  let outSeconds = 0;
  const onStdoutLine = (line: string) => {
    // `-progress` writes key=value blocks; each block ends with `progress=continue|end`. The sound track
    // may end before the container does, so `end` rather than the clock says the work is done.
    const [key, value] = line.split('=', 2);
    if (key === 'out_time_us' && /^\d+$/.test(value ?? '')) outSeconds = Number(value) / 1_000_000;
    else if (key === 'progress' && value === 'end') onProgress?.(1);
    else if (key === 'progress' && total > 0) onProgress?.(Math.min(1, outSeconds / total));
  };
  const args = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y',
    ...inputArgs(input),
    '-map', '0:a:0', '-vn', '-ac', '1', '-ar', '16000', '-sample_fmt', 's16', '-c:a', 'flac',
    ...(capSeconds === undefined ? [] : ['-t', String(capSeconds)]),
    '-progress', 'pipe:1',
    '-f', 'flac', `file:${outPath}`,
  ];
  try {
    const run = await runTool('ffmpeg', args, { signal, onStdoutLine });
    // A URL read that breaks mid-way can still exit 0 with a short file; the log says what happened.
    if (run.code !== 0 || (isUrl(input) && NETWORK_FAILURE.test(run.stderr))) throw toolFailure('ffmpeg', run, input);
    if (capSeconds !== undefined && outSeconds >= capSeconds) throw tooLong(capSeconds - 1);
    return { durationSeconds: outSeconds };
  } catch (err) {
    await rm(outPath, { force: true });
    throw err;
  }
}

/**
 * Runs ffmpeg with `args` to the end, the one way the product starts it. Aborting kills it; the promise then
 * rejects with the signal's reason once the process is gone. A failed run rejects with its exit and the
 * tail of its stderr.
 */
export async function runFfmpeg(args: string[], { signal }: { signal?: AbortSignal } = {}): Promise<void> {
  const run = await runTool('ffmpeg', args, { signal });
  if (run.code !== 0) throw exitError('ffmpeg', run);
}

interface ToolRun {
  code: number | null;
  killedBy: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const STDERR_TAIL_CHARS = 4000;

/**
 * Spawns asynchronously (a synchronous spawn would block tests that host the HTTP or S3 server in-process).
 * Settles once the process has exited; with an aborted signal, rejects with its reason after the kill.
 */
function runTool(
  cmd: string,
  args: string[],
  { signal, onStdoutLine }: { signal?: AbortSignal; onStdoutLine?: (line: string) => void },
): Promise<ToolRun> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    if (onStdoutLine) createInterface({ input: child.stdout }).on('line', onStdoutLine);
    else child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL_CHARS)));
    // An abort also arrives as an 'error'; it is answered on 'close', once the process is gone.
    child.on('error', (err) => {
      if (!signal?.aborted) reject(err);
    });
    child.on('close', (code, killedBy) => {
      if (signal?.aborted) reject(signal.reason);
      else resolve({ code, killedBy, stdout, stderr });
    });
  });
}

const NO_AUDIO_SENTENCE = 'This recording has no sound track, so there is nothing to transcribe.';
const CORRUPT_SENTENCE =
  'This file could not be read as audio or video: it may be damaged, incomplete or not a recording. Try exporting it again.';
const STORAGE_SENTENCE = 'The recording could not be read from file storage. Please try again later; if it keeps happening, ask an administrator to check the file storage.';

const NO_AUDIO = /matches no streams|does not contain any stream/i;
const NETWORK_FAILURE =
  /Connection refused|Connection reset|timed out|Stream ends prematurely|Server returned|Input\/output error|Broken pipe|Network is unreachable|Failed to resolve hostname/i;

/** What a failed run said, for logs; `input` is redacted from it. */
function exitError(tool: string, run: ToolRun, input?: string): Error {
  const stderr = run.stderr.trim();
  return new Error(`${tool} exited with ${run.code ?? run.killedBy}: ${input === undefined ? stderr : redactInput(stderr, input)}`);
}

/** Turns a failed ffmpeg/ffprobe run into the error a user should see; the detail goes in the cause. */
function toolFailure(tool: string, run: ToolRun, input: string): Error {
  const detail = exitError(tool, run, input);
  if (NO_AUDIO.test(run.stderr)) return new AppError('NO_AUDIO', NO_AUDIO_SENTENCE, false, { cause: detail });
  if (isUrl(input) && NETWORK_FAILURE.test(run.stderr)) return new AppError('STORAGE_UNAVAILABLE', STORAGE_SENTENCE, true, { cause: detail });
  // Killed by someone else (out of memory, shutdown) or our own file missing: not the recording's fault.
  if (run.code === null || /No such file or directory/i.test(run.stderr)) return detail;
  return new AppError('CORRUPT_MEDIA', CORRUPT_SENTENCE, false, { cause: detail });
}

/** ffmpeg echoes its input in messages; a presigned URL must not travel on into logs. */
function redactInput(text: string, input: string): string {
  return text.split(input).join('<input>').replace(/(https?:\/\/[^\s?'"]*)\?[^\s'"]*/gi, '$1?<redacted>');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
