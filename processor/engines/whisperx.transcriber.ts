import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { errors, request } from 'undici';
import { z } from 'zod';
import { parsePythonJson, whisperxResultSchema, type WhisperxResult } from '../../core/domain/transcript.js';
import type { TranscriptionOptions } from '../../core/domain/session.js';
import { AppError, isAppError } from '../../core/errors.js';
import { parseJsonAs } from '../../core/json.js';
import type { Logger } from '../../core/logger.js';
import type { TranscribeRequest, Transcriber } from './transcriber.js';

/**
 * Client of the WhisperX worker (docker/whisperx, docs/architecture.md#whisperx-worker-contract): the audio goes up as the request body,
 * progress and the result come back as NDJSON lines.
 */

/**
 * How long the worker may say nothing before it counts as stuck: while it takes the audio, before it answers
 * and between progress lines. It answers as soon as it holds the audio (200, or 503 when busy) and then
 * reports each percent, so a long recording means more lines, not longer silence; the limit leaves room for
 * a silent step such as loading an alignment model.
 */
const IDLE_TIMEOUT_MS = 10 * 60_000;

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), stage: z.enum(['transcribe', 'align', 'diarize']), percent: z.number() }),
  z.object({ type: z.literal('result'), result: z.unknown() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string().nullish() }),
]);
const errorBodySchema = z.object({ code: z.string(), message: z.string().nullish() });

/**
 * A worker that answers 503 with Retry-After is alive but busy with another recording (one job per GPU) or
 * still loading its model. Waiting for it is not a failure, so it uses no job attempt; only a worker that is
 * down or broken does. More processors than GPUs then simply queue here.
 */
const DEFAULT_BUSY_WAIT_MS = 6 * 60 * 60_000;
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** Transient failures end the session with these once the job's attempts run out: they say what to check. */
const CHECK_WORKER = 'Try again later; if this keeps happening, an administrator should check the WhisperX worker (WHISPERX_URL).';
const UNAVAILABLE_SENTENCE = `The transcription service was busy or unreachable, so this recording could not be transcribed. ${CHECK_WORKER}`;
const SILENT_SENTENCE = `The transcription service stopped answering, so this recording could not be transcribed. ${CHECK_WORKER}`;

export class WhisperxTranscriber implements Transcriber {
  readonly engine = 'whisperx';
  readonly model: string | null;

  constructor(
    private readonly opts: { url: string; model: string | null; busyWaitMs?: number; idleTimeoutMs?: number },
    private readonly log: Logger,
  ) {
    this.model = opts.model;
  }

  async transcribe({ sessionId, audioPath, durationSeconds, options, onProgress, signal }: TranscribeRequest): Promise<WhisperxResult> {
    const log = this.log.child({ sessionId });
    const { size } = await stat(audioPath);
    const started = Date.now();
    log.info({ bytes: size, durationSeconds, language: options.language, diarize: options.diarize }, 'transcription started');
    try {
      const busyUntil = started + (this.opts.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS);
      let response = await this.post(audioPath, size, options, signal);
      for (let wait = busyWait(response); wait !== null && Date.now() + wait < busyUntil; wait = busyWait(response)) {
        await response.body.dump();
        log.info({ waitMs: wait }, 'transcription worker busy; waiting for it');
        await sleep(wait, undefined, { signal });
        response = await this.post(audioPath, size, options, signal);
      }
      if (response.statusCode !== 200) throw this.refusal(log, response.statusCode, response.headers['retry-after'], await response.body.text(), options);

      for await (const line of ndjsonLines(response.body)) {
        const event = this.parseEvent(log, line);
        if (event?.type === 'progress') onProgress(event.stage, Math.min(100, Math.max(0, event.percent)));
        else if (event?.type === 'error') throw this.workerFailure(log, event.code, event.message, options);
        else if (event?.type === 'result') {
          const result = this.readResult(log, event.result);
          log.info({ segments: result.segments.length, elapsedMs: Date.now() - started }, 'transcription finished');
          return result;
        }
      }
      throw new Error('the response ended without a result');
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (isAppError(err)) throw err;
      // Refused, reset, silent or cut short: the worker is down, restarting, stuck or overloaded.
      log.warn({ err }, 'transcription worker unavailable');
      const silent = err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError;
      throw new AppError('TRANSCRIBER_UNAVAILABLE', silent ? SILENT_SENTENCE : UNAVAILABLE_SENTENCE, true, { cause: err });
    }
  }

  private post(audioPath: string, size: number, options: TranscriptionOptions, signal: AbortSignal | undefined) {
    return request(this.endpoint(options), {
      method: 'POST',
      // Streamed from disk: a two-hour recording is ~100 MB of FLAC.
      body: createReadStream(audioPath),
      headers: { 'content-type': audioPath.endsWith('.wav') ? 'audio/wav' : 'audio/flac', 'content-length': String(size) },
      signal,
      // undici restarts the headers timer as the upload moves on, so both limits measure silence.
      headersTimeout: this.opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
      bodyTimeout: this.opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
    });
  }

  private endpoint(options: TranscriptionOptions): URL {
    const url = new URL(`${this.opts.url.replace(/\/+$/, '')}/v1/transcribe`);
    // Always say the language when known: WhisperX otherwise detects it from the first 30 seconds.
    if (options.language) url.searchParams.set('language', options.language);
    url.searchParams.set('diarize', String(options.diarize));
    if (options.minSpeakers !== null) url.searchParams.set('min_speakers', String(options.minSpeakers));
    if (options.maxSpeakers !== null) url.searchParams.set('max_speakers', String(options.maxSpeakers));
    return url;
  }

  private parseEvent(log: Logger, line: string): z.infer<typeof eventSchema> | null {
    if (line.trim() === '') return null;
    let json: unknown;
    try {
      json = parsePythonJson(line);
    } catch {
      json = undefined;
    }
    const parsed = eventSchema.safeParse(json);
    // Unknown event kinds (a newer worker) are skipped; a broken result line ends as "no result".
    if (!parsed.success) log.debug({ line: line.slice(0, 200) }, 'skipped an unreadable worker line');
    return parsed.success ? parsed.data : null;
  }

  private readResult(log: Logger, raw: unknown): WhisperxResult {
    const parsed = whisperxResultSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    log.error({ issues: parsed.error.issues.slice(0, 5) }, 'transcription worker sent a result in an unexpected shape');
    throw new AppError('TRANSCRIPTION_FAILED', 'The transcription service sent back a transcript we could not read.', false, {
      cause: parsed.error,
    });
  }

  private refusal(log: Logger, status: number, retryAfter: unknown, body: string, options: TranscriptionOptions): AppError {
    const detail = new Error(`worker answered HTTP ${status}: ${body.slice(0, 500)}`);
    if (status >= 500 || status === 408 || status === 429) {
      log.warn({ status, retryAfter }, 'transcription worker refused the request');
      return new AppError('TRANSCRIBER_UNAVAILABLE', UNAVAILABLE_SENTENCE, true, { cause: detail });
    }
    const error = parseJsonAs(errorBodySchema, body);
    return error ? this.workerFailure(log, error.code, error.message, options) : this.workerFailure(log, `http_${status}`, detail.message, options);
  }

  private workerFailure(log: Logger, code: string, message: string | null | undefined, options: TranscriptionOptions): AppError {
    log.warn({ code, workerMessage: message }, 'transcription worker reported a failure');
    const explained = explainWorkerError(code, options);
    return new AppError('TRANSCRIPTION_FAILED', explained.sentence, explained.retryable, {
      cause: new Error(`worker error ${code}: ${message ?? ''}`),
    });
  }
}

/** Milliseconds to wait when the worker says it is busy (503 + Retry-After), else null. */
function busyWait(response: { statusCode: number; headers: Record<string, string | string[] | undefined> }): number | null {
  const header = response.headers['retry-after'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (response.statusCode !== 503 || !Number.isFinite(seconds) || seconds < 0) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(250, seconds * 1000));
}

/**
 * The worker's error codes (in an error line, or a 4xx JSON body) for failures a user can act on:
 * no_align_model, diarization_auth, gpu_out_of_memory, no_speech, bad_audio. Others get a general sentence.
 */
function explainWorkerError(code: string, options: TranscriptionOptions): { sentence: string; retryable: boolean } {
  switch (code) {
    case 'no_align_model':
      return {
        sentence: `Word timings are not available for ${languageName(options.language)} on this server (it has no alignment model for it). Try again with another language, or ask your administrator to add one.`,
        retryable: false,
      };
    case 'diarization_auth':
      return {
        sentence:
          'Telling speakers apart is not set up on the transcription server: it needs a Hugging Face token with the pyannote model terms accepted. Try again without speaker detection, or ask your administrator.',
        retryable: false,
      };
    case 'gpu_out_of_memory':
      return {
        sentence:
          'The transcription server ran out of GPU memory. Try again later, or with a shorter recording; if this keeps happening, ' +
          'an administrator should lower WHISPERX_BATCH_SIZE or choose a smaller WHISPERX_MODEL.',
        retryable: true,
      };
    case 'no_speech':
      return { sentence: 'No speech was found in this recording, so there is nothing to transcribe.', retryable: false };
    case 'bad_audio':
      return { sentence: 'The transcription server could not decode the audio of this recording.', retryable: false };
    default:
      // An unexplained worker failure is as often a passing fault as a lasting one; attempts are bounded.
      return { sentence: 'Transcription failed on the transcription server.', retryable: true };
  }
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

function languageName(code: string | null): string {
  if (!code) return 'the language of this recording';
  try {
    return languageNames.of(code) ?? `“${code}”`;
  } catch {
    return `“${code}”`;
  }
}

/** Lines of a streamed body; a line (or a UTF-8 character) may arrive split across chunks. */
async function* ndjsonLines(body: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of body) {
    pending += decoder.write(chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
    }
  }
  pending += decoder.end();
  if (pending !== '') yield pending;
}
