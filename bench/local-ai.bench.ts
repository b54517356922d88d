/**
 * The local engines on this machine's CPU, as the processor runs them (each in its InferenceHost child):
 * whisper.cpp seconds per 30-s window and real-time factor, llama.cpp prompt and generation tokens a second and
 * the time to a meeting's notes, each engine process's peak memory, and how late this process's event loop and a
 * small SSE stream run while an engine works (this process stands in for the web process on the same machine).
 *
 * No weights can be downloaded here, so the models have real shapes and RANDOM weights: they load and compute like
 * trained models, but what they say is noise. Under the notes grammar a random LLM fills every string to its bound,
 * so LLM answers are as long as an answer can be: a worst case. A random whisper model's decoder rarely finds a
 * confident text either, which whisper.cpp answers with temperature fallback (decoding a window again): speech
 * figures lean towards the worst case too.
 *
 * BENCH_LONG=1 also runs the notes of a 2-hour meeting (about 40 minutes); otherwise they are estimated from the
 * measured answers.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { StoredTranscript } from '../core/domain/transcript.js';
import { createLogger } from '../core/logger.js';
import type { LocalModel } from '../core/models/catalog.js';
import { ModelProvider } from '../core/models/model-provider.js';
import { DEFAULT_OPTIONS } from '../core/sessions/session.service.js';
import { chunkTranscript, notesPrompt } from '../processor/engines/meeting-prompt.js';
import { InferenceHost, type RunOptions } from '../processor/engines/local/inference-host.js';
import { LlamaCppTodoGenerator, type LlamaCppTodoGeneratorOptions } from '../processor/engines/local/llama-cpp.todo-generator.js';
import type { LlamaAnswer, LlamaProgress, LlamaTask } from '../processor/engines/local/llama.protocol.js';
import { ANSWER_TOKENS, notesGrammarSchema, overviewGrammarSchema } from '../processor/engines/local/notes-grammar.js';
import { WhisperCppTranscriber } from '../processor/engines/local/whisper-cpp.transcriber.js';
import type { WhisperProgress, WhisperResult, WhisperTask } from '../processor/engines/local/whisper.protocol.js';
import { run, tempDir } from '../test/helpers/media.js';
import { LLAMA_SHAPES, writeLlamaGguf } from '../test/helpers/models/gguf.js';
import { WHISPER_SHAPES, writeWhisperGgml } from '../test/helpers/models/whisper-ggml.js';
import { percentile, report } from './lib.js';

/** This machine's cores: what LOCAL_THREADS defaults to here. */
const THREADS = 2;
const LLM: LlamaCppTodoGeneratorOptions = { contextTokens: 8192, threads: THREADS, chunkSeconds: 1200 };
const RECORDING_SECONDS = 600;
const LONG = process.env.BENCH_LONG === '1';
/** 3b generates at a few tokens a second: a whole worst-case answer would take most of the run's time. */
const CAPPED_3B_TOKENS = 256;
const SSE_INTERVAL_MS = 100;
const LLM_NOTE = 'random weights: the notes grammar makes every string as long as it may be, so answers are a worst case';
const SPEECH_NOTE = 'random weights: the decoder falls back to higher temperatures (re-decodes) more than a trained model would';

const log = createLogger('silent');
const work = await tempDir('wn-bench-local-');
const progress = (message: string) => process.stderr.write(`[local ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const loadavg = () => os.loadavg().map((n) => round(n));
const since = (started: number) => (performance.now() - started) / 1000;
const fileMb = async (file: string) => round((await stat(file)).size / 1024 / 1024, 1);
const localModel = (kind: LocalModel['kind'], file: string): LocalModel => ({ kind, name: file, path: file, source: null });

/**
 * Peak resident memory (VmHWM) of this process's children, in MB: the engine's process, the only child alive
 * while it is measured. Its own ffmpeg (the speech engine decodes through one) is not counted.
 */
async function enginePeakRssMb(): Promise<number> {
  const tasks = await readdir('/proc/self/task');
  const lists = await Promise.all(tasks.map((t) => readFile(`/proc/self/task/${t}/children`, 'utf8').catch(() => '')));
  let peakKb = 0;
  for (const pid of lists.join(' ').split(/\s+/).filter(Boolean)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    peakKb = Math.max(peakKb, Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0));
  }
  return round(peakKb / 1024, 1);
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? Number.NaN) };
};

/**
 * Starts measuring what a web process would feel: event-loop delay (sampled every 10 ms) and the lateness of
 * SSE events, sent every 100 ms on a schedule by a server in this process to a client in this process (late by
 * however long the loop was busy or the process was not scheduled). The returned function stops and reports.
 */
async function watchEventLoop(): Promise<() => Promise<Record<string, unknown>>> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    let due = performance.now();
    let timer: NodeJS.Timeout;
    const send = () => {
      res.write(`data: ${due}\n\n`);
      due += SSE_INTERVAL_MS;
      timer = setTimeout(send, Math.max(0, due - performance.now()));
    };
    send();
    req.once('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lateness: number[] = [];
  const client = http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, (res) => {
    let buffered = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const now = performance.now();
      const events = (buffered + chunk).split('\n\n');
      buffered = events.pop()!;
      for (const event of events) lateness.push(now - Number(event.slice('data: '.length)));
    });
  });
  client.on('error', () => {}); // destroyed when the measurement stops
  delay.enable();
  const started = performance.now();
  return async () => {
    delay.disable();
    client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    // The histogram counts the 10-ms sampling interval itself; what is left is how late the loop was.
    const late = (p: number) => round(Math.max(0, delay.percentile(p) / 1e6 - 10));
    return {
      seconds: Math.round(since(started)),
      loopDelayMs: { p50: late(50), p99: late(99), max: round(Math.max(0, delay.max / 1e6 - 10)) },
      sseLatenessMs: { events: lateness.length, ...stats(lateness) },
    };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Speech

const SPEECH_TEXT =
  'Good morning everyone, let us start with the release status. ' +
  'Anna, can you write the release notes before Friday? Sure, I will have them ready by Thursday evening. ' +
  'Ben will ship the login fixes to staging tomorrow, and we agreed to move the launch to next Tuesday. ' +
  'The customer asked for an export to spreadsheets; Carla will estimate it for the next sprint. ';

async function audio(wav: string, seconds: number, name: string): Promise<string> {
  const out = path.join(work.dir, name);
  await run('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '-1', '-i', wav, '-t', String(seconds), '-ar', '16000', '-ac', '1', out]);
  return out;
}

type SpeechShape = keyof Omit<typeof WHISPER_SHAPES, 'micro'>;

async function speech(shape: SpeechShape, clips: { warm: string; window: string; recording: string }, watchLoop: boolean) {
  const file = path.join(work.dir, `ggml-${shape}.bin`);
  await writeWhisperGgml(file, WHISPER_SHAPES[shape]);
  const host = new InferenceHost<WhisperTask, WhisperResult, WhisperProgress>({
    name: 'whisper.cpp',
    entry: new URL('../processor/engines/local/whisper.worker.ts', import.meta.url),
    idleMs: 3_600_000,
    log,
  });
  const engine = new WhisperCppTranscriber(new ModelProvider(localModel('speech', file), log), host, { threads: THREADS }, log);
  const transcribe = async (audioPath: string, durationSeconds: number, onPart?: (percent: number) => void) => {
    const started = performance.now();
    await engine.transcribe({ audioPath, durationSeconds, options: DEFAULT_OPTIONS, onProgress: (_stage, percent) => onPart?.(percent) });
    return since(started);
  };
  try {
    progress(`speech ${shape}: loading (a 5-s clip)`);
    const loadSeconds = await transcribe(clips.warm, 5);
    progress(`speech ${shape}: a 30-s window`);
    const windowSeconds = await transcribe(clips.window, 30);
    progress(`speech ${shape}: ${round(windowSeconds, 1)} s for 30 s of audio`);
    let recording: Record<string, unknown> | undefined;
    let eventLoop: Record<string, unknown> | undefined;
    if (shape !== 'small') {
      progress(`speech ${shape}: a ${RECORDING_SECONDS / 60}-minute recording`);
      // The engine reports after each part (at most 60 s of audio): seconds it took per 30 s of audio.
      const perWindow: number[] = [];
      let last = { at: performance.now(), audio: 0 };
      const onPart = (percent: number) => {
        const now = { at: performance.now(), audio: (percent / 100) * RECORDING_SECONDS };
        perWindow.push(((now.at - last.at) / 1000 / (now.audio - last.audio)) * 30);
        last = now;
        progress(`speech ${shape}: ${Math.round(now.audio)} s of ${RECORDING_SECONDS} s`);
      };
      const stopWatching = watchLoop ? await watchEventLoop() : null;
      const seconds = await transcribe(clips.recording, RECORDING_SECONDS, onPart);
      eventLoop = await stopWatching?.();
      recording = { seconds: round(seconds, 1), rtf: round(seconds / RECORDING_SECONDS, 3), secondsPer30sPart: stats(perWindow) };
    }
    report({
      bench: `local-speech-${shape}`,
      modelMb: await fileMb(file),
      threads: THREADS,
      loadSeconds: round(loadSeconds),
      windowSeconds: round(windowSeconds),
      windowRtf: round(windowSeconds / 30, 3),
      ...(recording && { recording10min: recording }),
      enginePeakRssMb: await enginePeakRssMb(),
      loadavg: loadavg(),
      note: SPEECH_NOTE,
    });
    return eventLoop;
  } finally {
    await host.close();
    await rm(file, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// LLM

const MEETING_SENTENCES = [
  'Okay, let us start with the release status for this week.',
  'Anna, can you write the release notes before Friday so support has time to read them?',
  'Sure, I will have a first draft ready by Thursday evening and share it in the channel.',
  'Ben said the login fixes are done and he will deploy them to staging tomorrow morning.',
  'We still have two open bugs in the export, and one of them blocks the customer in Berlin.',
  'I think we should move the launch to next Tuesday rather than rush it on Friday.',
  'Does anyone object to moving the launch, or is Tuesday a problem for marketing?',
  'Marketing is fine with Tuesday as long as they get the screenshots by Monday noon.',
  'Carla, could you take the screenshots once the staging build is up?',
  'Yes, I can do that, but I need the new icons from the design team first.',
  'The budget review for next quarter is due at the end of the month.',
  'Let us make sure the numbers from the cloud bill are in the report this time.',
  'David will look at why the nightly backups took almost four hours last week.',
  'The customer also asked whether we can add an option to export to spreadsheets.',
  'That sounds like a good idea, but it needs an estimate before we promise anything.',
  'Please put it on the agenda for the planning meeting on Wednesday.',
  'One more thing: the on-call schedule for December still has gaps around the holidays.',
  'Everyone please check the calendar and add the days you can cover by Friday.',
  'Our error rate went down after the last deploy, which is good news for the team.',
  'We agreed to keep the old API running until the end of the quarter.',
  'Emma will write to the three customers who still use it and tell them about the change.',
  'I am not sure the new search is fast enough on large accounts yet.',
  'Let us run the load test again with the bigger data set before we decide.',
  'Thanks everyone, that is all for today, and I will send the notes after the meeting.',
];

/** A meeting of `minutes` as a whisper.cpp transcript would be: no speakers, segments of 4–8 s, ~150 words a minute. */
function meeting(minutes: number): StoredTranscript {
  const segments: StoredTranscript['segments'] = [];
  let seed = 1;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let start = 0, id = 0; start < minutes * 60; id++) {
    const text = MEETING_SENTENCES[Math.floor(next() * MEETING_SENTENCES.length)]!;
    const seconds = Math.min(8, Math.max(4, text.split(' ').length / 2.5));
    segments.push({ id, start: round(start), end: round(start + seconds - 0.3), text, words: [] });
    start += seconds;
  }
  return {
    session_id: '00000000-0000-4000-8000-000000000000',
    generated_at: new Date().toISOString(),
    engine: 'whisper.cpp',
    model: 'bench',
    duration: minutes * 60,
    language: 'en',
    segments,
    word_segments: [],
  };
}

interface AnswerTiming {
  promptTokens: number;
  generatedTokens: number;
  seconds: number;
  promptSeconds: number;
  generationSeconds: number;
  cutOff: boolean;
}

/**
 * The LLM's host, timing each answer: the worker reports every 16 generated tokens, so the first report
 * separates reading the prompt from generating (generation before it is counted at the rate after it).
 */
class TimedLlamaHost extends InferenceHost<LlamaTask, LlamaAnswer, LlamaProgress> {
  readonly answers: AnswerTiming[] = [];

  override async run(task: LlamaTask, options: RunOptions<LlamaProgress> = {}): Promise<LlamaAnswer> {
    const started = performance.now();
    const reports: Array<{ at: number; tokens: number }> = [];
    const answer = await super.run(task, {
      ...options,
      onProgress: (p) => {
        reports.push({ at: performance.now(), tokens: p.generatedTokens });
        options.onProgress?.(p);
      },
    });
    const seconds = since(started);
    const first = reports[0];
    const last = reports.at(-1);
    const rate = first && last && last.tokens > first.tokens ? (last.tokens - first.tokens) / ((last.at - first.at) / 1000) : Number.NaN;
    const promptSeconds = first ? (first.at - started) / 1000 - first.tokens / rate : Number.NaN;
    this.answers.push({
      promptTokens: answer.promptTokens,
      generatedTokens: answer.generatedTokens,
      seconds,
      promptSeconds,
      generationSeconds: seconds - promptSeconds,
      cutOff: answer.cutOff,
    });
    progress(`llm: answered ${answer.generatedTokens} tokens on a ${answer.promptTokens}-token prompt in ${round(seconds, 1)} s`);
    return answer;
  }
}

const speeds = (a: AnswerTiming) => ({
  promptTokens: a.promptTokens,
  generatedTokens: a.generatedTokens,
  cutOff: a.cutOff,
  seconds: round(a.seconds, 1),
  promptTokensPerSecond: round(a.promptTokens / a.promptSeconds, 1),
  generationTokensPerSecond: round(a.generatedTokens / a.generationSeconds, 1),
});

const EMPTY_ANSWER = JSON.stringify({ summary: '', key_points: [], decisions: [], estimated_time: null, todos: [] });

/** How many parts the generator cuts `transcript` into: the product's own chunking, run against an instant host. */
async function partsOf(transcript: StoredTranscript, modelPath: string): Promise<number> {
  let answers = 0;
  const instant = {
    run: async () => (answers++, { text: EMPTY_ANSWER, promptTokens: 0, generatedTokens: 0, cutOff: false }),
  } as unknown as InferenceHost<LlamaTask, LlamaAnswer, LlamaProgress>;
  await new LlamaCppTodoGenerator(new ModelProvider(localModel('llm', modelPath), log), instant, LLM, log).generate({ transcript, onProgress: () => {} });
  return answers > 1 ? answers - 1 : answers; // several parts take one more answer that merges them
}

async function llm(shape: '1b' | '3b', watchLoop: boolean) {
  const file = path.join(work.dir, `llama-${shape}-q4_0.gguf`);
  await writeLlamaGguf(file, LLAMA_SHAPES[shape], { weights: 'q4_0' });
  const host = new TimedLlamaHost({ name: 'llama.cpp', entry: new URL('../processor/engines/local/llama.worker.ts', import.meta.url), idleMs: 3_600_000, log });
  const task = { modelPath: file, contextTokens: LLM.contextTokens, threads: LLM.threads };
  const halfHour = meeting(30);
  let eventLoop: Record<string, unknown> | undefined;
  try {
    progress(`llm ${shape}: loading`);
    let started = performance.now();
    await host.run({ ...task, system: 'Answer in JSON.', user: 'Hello.', schema: overviewGrammarSchema(), maxTokens: 1 });
    const loadSeconds = since(started);
    host.answers.length = 0;

    const result: Record<string, unknown> = { bench: `local-llm-${shape}`, modelMb: await fileMb(file), ...LLM, loadSeconds: round(loadSeconds, 1) };
    if (shape === '3b') {
      progress(`llm ${shape}: one notes answer, generation capped at ${CAPPED_3B_TOKENS} tokens`);
      const chunks = chunkTranscript(halfHour, { maxSeconds: LLM.chunkSeconds, maxChars: Number.POSITIVE_INFINITY });
      const chunk = chunkTranscript({ ...halfHour, segments: chunks[0]!.segments }, { maxSeconds: LLM.chunkSeconds, maxChars: firstPartChars })[0]!;
      const prompt = notesPrompt(chunk, { index: 0, count: 2, language: 'en' });
      await host.run({ ...task, ...prompt, schema: notesGrammarSchema(chunk.segments.map((s) => s.id)), maxTokens: CAPPED_3B_TOKENS });
      const answer = speeds(host.answers[0]!);
      // A whole answer as long as 1b's worst case, at the rates measured.
      const wholeSeconds = answer.promptTokens / answer.promptTokensPerSecond + worstAnswerTokens / answer.generationTokensPerSecond;
      Object.assign(result, { answer, generationCappedAt: CAPPED_3B_TOKENS, wholeAnswerSecondsEstimated: Math.round(wholeSeconds), wholeAnswerTokens: worstAnswerTokens });
    } else {
      progress(`llm ${shape}: notes of a 30-minute meeting`);
      const engine = new LlamaCppTodoGenerator(new ModelProvider(localModel('llm', file), log), host, LLM, log);
      const stopWatching = watchLoop ? await watchEventLoop() : null;
      started = performance.now();
      const error = await engine.generate({ transcript: halfHour, onProgress: () => {} }).then(() => undefined, (err: Error) => `${err.message} (${String(err.cause)})`);
      const notesSeconds = since(started);
      eventLoop = await stopWatching?.();
      const parts = host.answers.length > 1 ? host.answers.slice(0, -1) : host.answers;
      const overview = host.answers.length > 1 ? host.answers.at(-1)! : undefined;
      worstAnswerTokens = Math.max(...parts.map((a) => a.generatedTokens));
      firstPartChars = Math.floor((LLM.contextTokens - ANSWER_TOKENS) * 2.5);
      Object.assign(result, {
        answer: speeds(parts[0]!),
        notes30min: { seconds: Math.round(notesSeconds), answers: host.answers.length, parts: parts.length, ...(error && { error }) },
      });
      const perPart = parts.reduce((sum, a) => sum + a.seconds, 0) / parts.length;
      const twoHours = meeting(120);
      const longParts = await partsOf(twoHours, file);
      if (LONG) {
        progress(`llm ${shape}: notes of a 2-hour meeting`);
        host.answers.length = 0;
        started = performance.now();
        const longError = await engine.generate({ transcript: twoHours, onProgress: () => {} }).then(() => undefined, (err: Error) => `${err.message} (${String(err.cause)})`);
        Object.assign(result, { notes2h: { seconds: Math.round(since(started)), answers: host.answers.length, parts: longParts, estimated: false, ...(longError && { error: longError }) } });
      } else {
        // The merging answer's prompt grows with the parts (their summaries and todos): scaled from the 30-minute one.
        const overviewPromptTokens = overview ? Math.round((overview.promptTokens * longParts) / parts.length) : 0;
        const overviewSeconds = overview ? overviewPromptTokens / (overview.promptTokens / overview.promptSeconds) + overview.generationSeconds : 0;
        Object.assign(result, {
          notes2h: { seconds: Math.round(longParts * perPart + overviewSeconds), parts: longParts, overviewPromptTokens, estimated: true },
        });
      }
    }
    report({ ...result, enginePeakRssMb: await enginePeakRssMb(), loadavg: loadavg(), note: LLM_NOTE });
    return eventLoop;
  } finally {
    await host.close();
    await rm(file, { force: true });
  }
}

// Set by the 1b run, read by the 3b run.
let worstAnswerTokens = ANSWER_TOKENS;
let firstPartChars = Number.POSITIVE_INFINITY;

// ---------------------------------------------------------------------------------------------------------------

const benchStarted = performance.now();
try {
  progress('audio: espeak-ng speech looped by ffmpeg');
  const wav = path.join(work.dir, 'speech.wav');
  await run('espeak-ng', ['-w', wav, SPEECH_TEXT]);
  const clips = { warm: await audio(wav, 5, 'warm.flac'), window: await audio(wav, 30, 'window.flac'), recording: await audio(wav, RECORDING_SECONDS, 'recording.flac') };

  progress('event loop: idle for 20 s');
  const stopIdle = await watchEventLoop();
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  const idle = await stopIdle();

  await speech('tiny', clips, false);
  const transcribing = await speech('base', clips, true);
  await speech('small', clips, false);
  const notes = await llm('1b', true);
  await llm('3b', false);
  report({ bench: 'local-event-loop', idle, transcribingBase10min: transcribing, notes1b30min: notes, loadavg: loadavg() });
  progress(`done in ${Math.round(since(benchStarted) / 60)} minutes`);
} finally {
  await work.cleanup();
}
process.exit(0);
