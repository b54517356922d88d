import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { z } from 'zod';
import type { WhisperxResult } from '../../core/domain/transcript.js';
import { AppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { runFfmpeg } from '../../core/media/ffmpeg.js';
import { createOpenAIClient, toServiceError, type OpenAIConnection, type ServiceErrors } from './openai-client.js';
import type { TranscribeRequest, Transcriber } from './transcriber.js';

export interface OpenAITranscriberOptions extends OpenAIConnection {
  /** e.g. `whisper-1`; a job's own `options.model` wins. */
  model: string;
  /** The service's upload limit (OpenAI: 25 MB); larger audio is sent in time slices. */
  maxUploadBytes?: number;
}

const STT_ERRORS: ServiceErrors = {
  unavailable: 'TRANSCRIBER_UNAVAILABLE',
  rejected: 'TRANSCRIPTION_FAILED',
  name: 'transcription service',
  modelVariable: 'TRANSCRIBE_MODEL',
  endpoint: 'the speech-to-text endpoint (OPENAI_BASE_URL)',
};

/**
 * `verbose_json` as OpenAI documents it. Servers that put words inside segments (faster-whisper based ones)
 * are read too.
 */
const timedWord = z.object({ word: z.string(), start: z.number(), end: z.number() });
const verboseSchema = z.object({
  language: z.string().nullish(),
  segments: z
    .array(z.object({ start: z.number(), end: z.number(), text: z.string(), avg_logprob: z.number().nullish(), words: z.array(timedWord).nullish() }))
    .nullish(),
  words: z.array(timedWord).nullish(),
});
type Verbose = z.infer<typeof verboseSchema>;

/** Whisper's prompt holds about 224 tokens; the tail of the previous slice keeps names and style consistent. */
const CARRIED_PROMPT_CHARS = 400;
/** FLAC's size varies with content: slices aim below the limit and are halved if one still exceeds it. */
const SLICE_FILL = 0.9;
const MIN_SLICE_SECONDS = 1;

type Segment = WhisperxResult['segments'][number];
interface Slice {
  start: number;
  end: number;
}

/**
 * Speech to text through any OpenAI-compatible `/v1/audio/transcriptions` (OpenAI, speaches, whisper.cpp,
 * vLLM): segments with word times, no speakers. Audio over the upload limit is cut into time slices with
 * ffmpeg, sent one after another, and put back on the recording's clock.
 */
export class OpenAITranscriber implements Transcriber {
  readonly engine = 'openai';
  readonly model: string;
  private readonly client: OpenAI;
  private readonly maxUploadBytes: number;

  constructor(
    options: OpenAITranscriberOptions,
    private readonly logger: Logger,
  ) {
    this.model = options.model;
    this.maxUploadBytes = options.maxUploadBytes ?? 25 * 1024 * 1024;
    this.client = createOpenAIClient(options, logger);
  }

  async transcribe(request: TranscribeRequest): Promise<WhisperxResult> {
    const { audioPath, durationSeconds, onProgress } = request;
    onProgress('transcribe', 0);
    const size = (await stat(audioPath)).size;
    if (size <= this.maxUploadBytes) {
      const part = await this.send(audioPath, request, null);
      onProgress('transcribe', 100);
      return toWhisperx([placeOnClock(part, { start: 0, end: durationSeconds || Infinity })], part.language);
    }

    const dir = await mkdtemp(path.join(os.tmpdir(), 'wn-stt-'));
    try {
      const count = Math.ceil(size / (this.maxUploadBytes * SLICE_FILL));
      const pending: Slice[] = Array.from({ length: count }, (_, i) => ({
        start: (durationSeconds * i) / count,
        end: (durationSeconds * (i + 1)) / count,
      }));
      this.logger.child({ sessionId: request.sessionId }).info({ bytes: size, slices: count }, 'audio over the upload limit; transcribing in slices');
      const placed: Segment[][] = [];
      let language: string | null | undefined;
      let previousText = '';
      for (let slice = pending.shift(); slice; slice = pending.shift()) {
        const file = path.join(dir, `slice-${slice.start.toFixed(3)}.flac`);
        await cutSlice(audioPath, slice, file, request.signal);
        if ((await stat(file)).size > this.maxUploadBytes) {
          if (slice.end - slice.start < MIN_SLICE_SECONDS) {
            throw new AppError('TRANSCRIPTION_FAILED', 'The audio cannot be cut into parts small enough for the transcription service.', false);
          }
          const middle = (slice.start + slice.end) / 2;
          pending.unshift({ start: slice.start, end: middle }, { start: middle, end: slice.end });
          continue;
        }
        const part = await this.send(file, request, previousText);
        await rm(file, { force: true });
        placed.push(placeOnClock(part, slice));
        language ??= part.language;
        previousText = placed.at(-1)!.map((s) => s.text).join(' ');
        onProgress('transcribe', Math.round((slice.end / durationSeconds) * 100));
      }
      return toWhisperx(placed, language);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async send(file: string, request: TranscribeRequest, previousText: string | null): Promise<Verbose> {
    const prompt = [request.options.prompt, previousText?.slice(-CARRIED_PROMPT_CHARS)].filter(Boolean).join(' ');
    let raw: unknown;
    try {
      raw = await this.client.audio.transcriptions.create(
        {
          file: await toFile(createReadStream(file), path.basename(file)),
          model: request.options.model ?? this.model,
          response_format: 'verbose_json',
          timestamp_granularities: ['word', 'segment'],
          ...(request.options.language ? { language: request.options.language } : {}),
          ...(prompt ? { prompt } : {}),
        },
        { signal: request.signal },
      );
    } catch (err) {
      throw toServiceError(err, STT_ERRORS, request.signal);
    }
    const parsed = verboseSchema.safeParse(raw);
    if (!parsed.success) {
      this.logger.child({ sessionId: request.sessionId }).warn({ issues: z.prettifyError(parsed.error) }, 'unreadable transcription answer');
      throw new AppError('TRANSCRIPTION_FAILED', 'The transcription service answered in a form we could not read (is it OpenAI-compatible?).', false);
    }
    return parsed.data;
  }
}

/**
 * One slice's segments on the recording's clock, clamped to the slice (Whisper can overshoot the end), each
 * with the words that start inside it.
 */
function placeOnClock(part: Verbose, slice: Slice): Segment[] {
  const at = (t: number) => Math.round(Math.min(slice.start + Math.max(t, 0), slice.end) * 1000) / 1000;
  const words = part.words ?? (part.segments ?? []).flatMap((s) => s.words ?? []);
  const segments: Segment[] = (part.segments ?? []).map((s) => ({
    start: at(s.start),
    end: at(s.end),
    text: s.text.trim(),
    words: [],
    ...(s.avg_logprob != null ? { avg_logprob: s.avg_logprob } : {}),
  }));
  let owner = 0;
  for (const w of [...words].sort((a, b) => a.start - b.start)) {
    const start = at(w.start);
    while (owner + 1 < segments.length && segments[owner + 1]!.start <= start) owner++;
    segments[owner]?.words?.push({ word: w.word.trim(), start, end: at(w.end) });
  }
  return segments;
}

function toWhisperx(slices: Segment[][], language: string | null | undefined): WhisperxResult {
  const segments = slices.flat();
  return { segments, word_segments: segments.flatMap((s) => s.words ?? []), language: languageCode(language) };
}

/** Whisper-1 names the language ("english"); the rest of the product uses codes ("en"). */
const codesByName: ReadonlyMap<string, string> = (() => {
  const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
  const map = new Map<string, string>();
  for (let a = 97; a <= 122; a++) {
    for (let b = 97; b <= 122; b++) {
      const code = String.fromCharCode(a, b);
      const name = names.of(code);
      if (name) map.set(name.toLowerCase(), code);
    }
  }
  return map;
})();

function languageCode(language: string | null | undefined): string | null {
  if (!language) return null;
  const lower = language.toLowerCase();
  return codesByName.get(lower) ?? (/^[a-z]{2,3}(-[a-z0-9]+)?$/.test(lower) ? lower : null);
}

/** Cuts [start, end) of the audio into a 16 kHz mono FLAC file; asynchronous so the event loop keeps going. */
async function cutSlice(input: string, slice: Slice, output: string, signal?: AbortSignal): Promise<void> {
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-ss', slice.start.toFixed(3), '-t', (slice.end - slice.start).toFixed(3)];
  args.push('-i', input, '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'flac', output);
  try {
    await runFfmpeg(args, { signal });
  } catch (err) {
    if (signal?.aborted) throw new AppError('CANCELLED', 'Processing of this recording was cancelled.', false, { cause: err });
    throw new AppError('TRANSCRIPTION_FAILED', 'We could not cut the audio into parts for the transcription service.', false, { cause: err });
  }
}
