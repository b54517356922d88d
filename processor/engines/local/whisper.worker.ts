import { spawn } from 'node:child_process';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Whisper, WhisperFullParams, WhisperSamplingStrategy, type Segment } from '@napi-rs/whisper';
import { serveInference } from './host-protocol.js';
import { wordsToSegments } from './sentences.js';
import type { WhisperProgress, WhisperResult, WhisperTask, WhisperWord } from './whisper.protocol.js';

/**
 * The local speech engine's process (run by InferenceHost): whisper.cpp through @napi-rs/whisper, on the
 * CPU, with the model kept between tasks. The audio is decoded by ffmpeg and transcribed a part at a time, so
 * memory stays bounded whatever the length, and progress is reported after each part.
 */

const SAMPLE_RATE = 16_000;
/** Audio per whisper.cpp call: two windows of 30 s, small enough for frequent progress. */
const PART_SECONDS = 60;
/** A part ends in the quietest stretch of its last seconds, so a cut rarely falls inside a word. */
const CUT_SEARCH_SECONDS = 8;
const CUT_WINDOW_SAMPLES = SAMPLE_RATE / 5;
/** whisper.cpp refuses less than a second of audio; a short last part is padded with silence. */
const MIN_SAMPLES = SAMPLE_RATE + SAMPLE_RATE / 10;

let loaded: { path: string; whisper: Whisper } | null = null;

function model(path: string): Whisper {
  if (loaded?.path !== path) loaded = { path, whisper: new Whisper(path, { useGpu: false }) };
  return loaded.whisper;
}

serveInference<WhisperTask, WhisperResult, WhisperProgress>(async (task, progress) => {
  const whisper = model(task.modelPath);
  const words: WhisperWord[] = [];
  let language = task.language;
  let done = 0;
  for await (const part of audioParts(task.audioPath)) {
    const transcribed = await transcribePart(whisper, part, { ...task, language, prompt: done === 0 ? task.prompt : null });
    // The first part decides the language of the whole recording, as WhisperX does.
    language ??= Whisper.lang(whisper.fullLangId) ?? 'und';
    words.push(...transcribed.map((w) => ({ ...w, start: w.start + done, end: w.end + done })));
    done += part.length / SAMPLE_RATE;
    progress({ seconds: done });
  }
  return { language: language ?? 'und', segments: wordsToSegments(words) };
});

/** One part's words, with times in seconds from the part's start. */
async function transcribePart(whisper: Whisper, samples: Float32Array, task: Pick<WhisperTask, 'threads' | 'language' | 'prompt'>): Promise<WhisperWord[]> {
  const params = new WhisperFullParams(WhisperSamplingStrategy.Greedy);
  params.nThreads = task.threads;
  params.language = task.language ?? 'auto';
  if (task.prompt) params.initialPrompt = task.prompt;
  // One segment per word, each with its own times: the word timestamps a transcript needs.
  params.tokenTimestamps = true;
  params.maxLen = 1;
  params.splitOnWord = true;
  params.suppressNonSpeechTokens = true;
  params.printProgress = false;
  params.printRealtime = false;
  const segments: Segment[] = [];
  params.onNewSegment = (segment) => segments.push(segment);

  const input = samples.length >= MIN_SAMPLES ? samples : padded(samples);
  const text = whisper.full(params, input);
  // The binding queues its callbacks onto the event loop while full() blocks it: collect them until their
  // text adds up to what full() returned.
  const letters = (s: string) => s.replace(/\s+/g, '').length;
  for (let turns = 0; letters(segments.map((s) => s.text).join('')) < letters(text) && turns < 100; turns++) await nextTurn();

  const seconds = samples.length / SAMPLE_RATE;
  let cursor = 0;
  const words: WhisperWord[] = [];
  for (const segment of segments) {
    // Segments come trimmed; the returned text says which words follow a space (none do in CJK scripts).
    const at = text.indexOf(segment.text, cursor);
    const word = at >= 0 ? text.slice(cursor, at + segment.text.length) : ` ${segment.text}`;
    if (at >= 0) cursor = at + segment.text.length;
    if (segment.text.trim() === '' || /^\s*\[[^\]]*\]\s*$/.test(segment.text)) continue;
    // whisper.cpp counts in centiseconds; a noisy model may place words past the audio it was given.
    const start = Math.min(seconds, Math.max(0, segment.start / 100));
    words.push({ word, start, end: Math.min(seconds, Math.max(start, segment.end / 100)) });
  }
  return words;
}

function padded(samples: Float32Array): Float32Array {
  const out = new Float32Array(MIN_SAMPLES);
  out.set(samples);
  return out;
}

/** The recording as 16 kHz mono float samples, PART_SECONDS at a time, each cut at a quiet point. */
async function* audioParts(audioPath: string): AsyncGenerator<Float32Array> {
  const ffmpeg = spawn('ffmpeg', ['-nostdin', '-v', 'error', '-i', audioPath, '-f', 'f32le', '-ac', '1', '-ar', String(SAMPLE_RATE), 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  ffmpeg.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => ffmpeg.on('close', resolve));
  const partSamples = PART_SECONDS * SAMPLE_RATE;
  let buffer = new Float32Array(0);
  let pendingByte: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
      const bytes = pendingByte.length ? Buffer.concat([pendingByte, chunk]) : chunk;
      const whole = bytes.length - (bytes.length % 4);
      pendingByte = bytes.subarray(whole);
      const incoming = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + whole));
      const next = new Float32Array(buffer.length + incoming.length);
      next.set(buffer);
      next.set(incoming, buffer.length);
      buffer = next;
      while (buffer.length >= partSamples) {
        const cut = quietestCut(buffer, partSamples);
        yield buffer.slice(0, cut);
        buffer = buffer.slice(cut);
      }
    }
    const code = await exited;
    if (code !== 0) throw new Error(`ffmpeg could not decode the audio (exit ${code}): ${stderr.trim()}`);
    if (buffer.length > 0) yield buffer;
  } finally {
    ffmpeg.kill();
  }
}

/** Where to end a part no longer than `limit` samples: the start of its quietest window near the end. */
function quietestCut(samples: Float32Array, limit: number): number {
  let best = limit;
  let bestEnergy = Infinity;
  for (let start = limit - CUT_SEARCH_SECONDS * SAMPLE_RATE; start + CUT_WINDOW_SAMPLES <= limit; start += CUT_WINDOW_SAMPLES / 2) {
    let energy = 0;
    for (let i = start; i < start + CUT_WINDOW_SAMPLES; i++) energy += samples[i]! * samples[i]!;
    if (energy < bestEnergy) {
      bestEnergy = energy;
      best = start + CUT_WINDOW_SAMPLES / 2;
    }
  }
  return best;
}
