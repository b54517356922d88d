/**
 * The local engines on this machine's CPU, as the processor runs them (each in its InferenceHost child):
 * whisper.cpp seconds per 30-s window and real-time factor, llama.cpp prompt and generation tokens a second and
 * the time to a meeting's notes, each engine process's peak memory, and how late this process's event loop and a
 * small SSE stream run while an engine works (this process stands in for the web process on the same machine).
 *
 * No weights can be downloaded here, so the models have real shapes and RANDOM weights: they load and compute like
 * trained models, but what they write is noise, and how long it is differs from what a trained model would write.
 * Encoding and reading a prompt cost what they would; decoding does not: see SPEECH_NOTE and LLM_NOTE, and the
 * worst-case figures (every answer as long as ANSWER_TOKENS allows) reported beside the measured ones.
 *
 * BENCH_LONG=1 also runs the notes of a 2-hour meeting (about 20 minutes more); otherwise they are estimated from
 * the measured answers. BENCH_LOCAL=llm runs only the LLM's part (the notes, a question, the 3b answer).
 */
import { rmSync } from 'node:fs';
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
import { InferenceHost, type RunOptions } from '../processor/engines/local/inference-host.js';
import type { LlamaSettings } from '../processor/engines/local/llama-ask.js';
import { LlamaCppMeetingAnswerer } from '../processor/engines/local/llama-cpp.meeting-answerer.js';
import { LlamaCppTodoGenerator } from '../processor/engines/local/llama-cpp.todo-generator.js';
import type { LlamaAnswer, LlamaProgress, LlamaTask } from '../processor/engines/local/llama.protocol.js';
import { ANSWER_TOKENS, overviewGrammarSchema } from '../processor/engines/local/notes-grammar.js';
import type { NotesAnswer } from '../processor/engines/meeting-prompt.js';
import { WhisperCppTranscriber } from '../processor/engines/local/whisper-cpp.transcriber.js';
import type { WhisperProgress, WhisperResult, WhisperTask } from '../processor/engines/local/whisper.protocol.js';
import { run, tempDir } from '../test/helpers/media.js';
import { LLAMA_SHAPES, writeLlamaGguf } from '../test/helpers/models/gguf.js';
import { WHISPER_SHAPES, writeWhisperGgml } from '../test/helpers/models/whisper-ggml.js';
import { percentile, report } from './lib.js';

/** What LOCAL_THREADS defaults to (os.availableParallelism()) on the 2-core machine this is sized for. */
const THREADS = 2;
/** The defaults of LOCAL_LLM_CONTEXT and LLM_CHUNK_SECONDS. */
const LLM: LlamaSettings = { contextTokens: 8192, threads: THREADS, chunkSeconds: 1200 };
const LONG = process.env.BENCH_LONG === '1';
const LLM_ONLY = process.env.BENCH_LOCAL === 'llm';
/** 3b generates at about 5 tokens a second: a whole worst-case answer would take most of the run's time. */
const CAPPED_3B_TOKENS = 512;
/** A recording taking longer than this many times its length is stopped there (figures from the parts done). */
const MAX_RTF = 1.5;
const SSE_INTERVAL_MS = 100;
const LLM_NOTE =
  "random weights: an answer's length is not a trained model's (1b fills the summary to its 1,000 characters and leaves " +
  'every list empty: about 350 tokens); worstCaseSeconds is an answer as long as ANSWER_TOKENS allows, at the rates measured';
const SPEECH_NOTE =
  'random weights: decoding time depends on what the model writes, unlike a trained one; secondsPer30s comes from the ' +
  "engine's 60-s parts of a recording, the product's path; a lone 30-s recording (one window) runs faster. " +
  "whisper.cpp's threads spin at barriers: with other processes on the cores it slows far more than the load suggests";

const log = createLogger('silent');
const work = await tempDir('wn-bench-local-');
// The models take gigabytes of the temp dir: an interrupted run removes them too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    rmSync(work.dir, { recursive: true, force: true });
    process.exit(130);
  });
}
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
      // Timers may fire a fraction of a millisecond early: such an event was not late.
      for (const event of events) lateness.push(Math.max(0, now - Number(event.slice('data: '.length))));
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
    const late = (ns: number) => round(Math.max(0, ns / 1e6 - 10));
    return {
      seconds: Math.round(since(started)),
      loopDelayMs: { p50: late(delay.percentile(50)), p99: late(delay.percentile(99)), max: late(delay.max) },
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

/** `seconds` of the speech in `wav`, looped, as the processor's 16 kHz mono FLAC. */
async function audio(wav: string, seconds: number): Promise<Audio> {
  const out = path.join(work.dir, `speech-${seconds}s.flac`);
  await run('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '-1', '-i', wav, '-t', String(seconds), '-ar', '16000', '-ac', '1', out]);
  return { path: out, seconds };
}

type SpeechShape = keyof Omit<typeof WHISPER_SHAPES, 'micro'>;

interface Audio {
  path: string;
  seconds: number;
}

/**
 * One speech model: loaded on a 5-s recording, then a lone 30-s recording (one window), then `recording` end to end,
 * its parts timed. Returns the event loop's figures during the recording when `watchLoop`.
 */
async function speech(shape: SpeechShape, clips: { warm: Audio; window: Audio; recording: Audio }, watchLoop: boolean) {
  const file = path.join(work.dir, `ggml-${shape}.bin`);
  await writeWhisperGgml(file, WHISPER_SHAPES[shape]);
  const host = new InferenceHost<WhisperTask, WhisperResult, WhisperProgress>({
    name: 'whisper.cpp',
    entry: new URL('../processor/engines/local/whisper.worker.ts', import.meta.url),
    idleMs: 3_600_000,
    log,
  });
  const engine = new WhisperCppTranscriber(new ModelProvider(localModel('speech', file), log), host, { threads: THREADS }, log);
  const transcribe = async ({ path: audioPath, seconds: durationSeconds }: Audio, onPart?: (percent: number) => void, signal?: AbortSignal) => {
    const started = performance.now();
    await engine.transcribe({ audioPath, durationSeconds, options: DEFAULT_OPTIONS, signal, onProgress: (_stage, percent) => onPart?.(percent) });
    return since(started);
  };
  // Read while the engine's process lives: a capped recording ends with it killed.
  let peakRssMb = 0;
  const notePeak = async () => void (peakRssMb = Math.max(peakRssMb, await enginePeakRssMb()));
  try {
    progress(`speech ${shape}: loading (a 5-s recording)`);
    const loadSeconds = await transcribe(clips.warm);
    progress(`speech ${shape}: a 30-s recording`);
    const windowSeconds = await transcribe(clips.window);

    const length = clips.recording.seconds;
    progress(`speech ${shape}: a ${length / 60}-minute recording`);
    // The engine reports after each part (at most 60 s of audio): seconds it took per 30 s of audio.
    const per30s: number[] = [];
    const started = performance.now();
    let last = { at: started, audio: 0 };
    const onPart = (percent: number) => {
      const now = { at: performance.now(), audio: (percent / 100) * length };
      per30s.push(((now.at - last.at) / 1000 / (now.audio - last.audio)) * 30);
      last = now;
      progress(`speech ${shape}: ${Math.round(now.audio)} s of ${length} s`);
      void notePeak();
    };
    const stopWatching = watchLoop ? await watchEventLoop() : null;
    const cap = AbortSignal.timeout(length * MAX_RTF * 1000);
    const capped = await transcribe(clips.recording, onPart, cap).then(
      () => false,
      (err: unknown) => (cap.aborted ? true : Promise.reject(err)),
    );
    const seconds = ((capped ? last.at : performance.now()) - started) / 1000;
    const eventLoop = await stopWatching?.();
    await notePeak();
    report({
      bench: `local-speech-${shape}`,
      modelMb: await fileMb(file),
      threads: THREADS,
      loadSeconds: round(loadSeconds),
      secondsPer30s: stats(per30s),
      recording: capped
        ? { minutes: length / 60, capped, audioSecondsDone: Math.round(last.audio), seconds: round(seconds, 1), rtf: round(seconds / last.audio, 3) }
        : { minutes: length / 60, seconds: round(seconds, 1), rtf: round(seconds / length, 3) },
      recording30s: { seconds: round(windowSeconds, 1), rtf: round(windowSeconds / 30, 3) },
      enginePeakRssMb: peakRssMb,
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
  cutOff: boolean;
  seconds: number;
  promptSeconds: number;
  /** Tokens a second while generating. */
  generationRate: number;
}

/** The answer's time had it been as long as the grammar allows (ANSWER_TOKENS), at the rates measured. */
const worstCase = (a: AnswerTiming) => a.promptSeconds + ANSWER_TOKENS / a.generationRate;

/**
 * The LLM's host, timing each answer: the worker reports every 16 generated tokens, so the first report
 * separates reading the prompt from generating (generation before it is counted at the rate after it).
 */
class TimedLlamaHost extends InferenceHost<LlamaTask, LlamaAnswer, LlamaProgress> {
  readonly tasks: LlamaTask[] = [];
  readonly answers: AnswerTiming[] = [];

  override async run(task: LlamaTask, options: RunOptions<LlamaProgress> = {}): Promise<LlamaAnswer> {
    this.tasks.push(task);
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
    const { promptTokens, generatedTokens, cutOff } = answer;
    this.answers.push({ promptTokens, generatedTokens, cutOff, seconds, promptSeconds, generationRate: rate });
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
  generationTokensPerSecond: round(a.generationRate, 1),
  worstCaseSeconds: Math.round(worstCase(a)),
});
const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);

const failure = (err: Error) => `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`;

/** How many parts the generator cuts `transcript` into: the product's own chunking, run against an instant host. */
async function partsOf(transcript: StoredTranscript, modelPath: string): Promise<number> {
  let answers = 0;
  // Typed, so a field the notes gain is one this empty answer must gain too.
  const empty: NotesAnswer = { title: '', summary: '', key_points: [], decisions: [], estimated_time: null, todos: [] };
  const answer: LlamaAnswer = {
    text: JSON.stringify(empty),
    promptTokens: 0,
    generatedTokens: 0,
    cutOff: false,
  };
  const instant = { run: () => Promise.resolve(((answers += 1), answer)) } as unknown as InferenceHost<LlamaTask, LlamaAnswer, LlamaProgress>;
  await new LlamaCppTodoGenerator(new ModelProvider(localModel('llm', modelPath), log), instant, LLM, log).generate({ transcript, onProgress: () => {} });
  return answers > 1 ? answers - 1 : answers; // several parts take one more answer that merges them
}

/** Writes the `shape` model, loads it in its host (timed), hands both to `use`, then frees and deletes them. */
async function withLlama<T>(shape: '1b' | '3b', use: (host: TimedLlamaHost, file: string, figures: Record<string, unknown>) => Promise<T>): Promise<T> {
  const file = path.join(work.dir, `llama-${shape}-q4_0.gguf`);
  await writeLlamaGguf(file, LLAMA_SHAPES[shape], { weights: 'q4_0' });
  const host = new TimedLlamaHost({ name: 'llama.cpp', entry: new URL('../processor/engines/local/llama.worker.ts', import.meta.url), idleMs: 3_600_000, log });
  try {
    progress(`llm ${shape}: loading`);
    const started = performance.now();
    await host.run({ modelPath: file, contextTokens: LLM.contextTokens, threads: LLM.threads, system: 'Answer in JSON.', user: 'Hello.', schema: overviewGrammarSchema(), maxTokens: 1 });
    const loadSeconds = since(started);
    host.tasks.length = 0;
    host.answers.length = 0;
    return await use(host, file, { bench: `local-llm-${shape}`, modelMb: await fileMb(file), ...LLM, loadSeconds: round(loadSeconds, 1) });
  } finally {
    await host.close();
    await rm(file, { force: true });
  }
}

/**
 * 1b: the notes of a 30-minute meeting through LlamaCppTodoGenerator (its first answer gives the token rates),
 * and of a 2-hour one, run with BENCH_LONG=1 or else estimated from the answers measured. Returns the first
 * part's task for the 3b run, and the event loop's figures while the notes were written.
 */
function notes1b() {
  return withLlama('1b', async (host, file, figures) => {
    progress('llm 1b: notes of a 30-minute meeting');
    const engine = new LlamaCppTodoGenerator(new ModelProvider(localModel('llm', file), log), host, LLM, log);
    const stopWatching = await watchEventLoop();
    let started = performance.now();
    const error = await engine.generate({ transcript: meeting(30), onProgress: () => {} }).then(() => undefined, failure);
    const seconds = since(started);
    const eventLoop = await stopWatching();
    const answers = [...host.answers];
    const parts = answers.length > 1 ? answers.slice(0, -1) : answers;
    const overview = answers.length > 1 ? answers.at(-1) : undefined;

    // A question about the same meeting, as a person asks it on the page or in the thread: each part asked, then merged.
    progress('llm 1b: a question about the 30-minute meeting');
    host.answers.length = 0;
    started = performance.now();
    const asked = new LlamaCppMeetingAnswerer(new ModelProvider(localModel('llm', file), log), host, LLM, log);
    const questionError = await asked.answer({ transcript: meeting(30), question: 'What did we decide about the launch date?' }).then(() => undefined, failure);
    const question30min = {
      seconds: Math.round(since(started)),
      answerSeconds: host.answers.map((a) => Math.round(a.seconds)),
      generatedTokens: host.answers.map((a) => a.generatedTokens),
      worstCaseSeconds: Math.round(sum(host.answers.map(worstCase))),
      ...(questionError && { error: questionError }),
    };

    const twoHours = meeting(120);
    const longParts = await partsOf(twoHours, file);
    let notes2h: Record<string, unknown>;
    if (LONG) {
      progress('llm 1b: notes of a 2-hour meeting');
      host.answers.length = 0;
      started = performance.now();
      const longError = await engine.generate({ transcript: twoHours, onProgress: () => {} }).then(() => undefined, failure);
      notes2h = { seconds: Math.round(since(started)), answers: host.answers.length, parts: longParts, estimated: false, ...(longError && { error: longError }) };
    } else {
      // Parts as long as the 30-minute meeting's on average; the merging answer's prompt grows with the parts
      // (their summaries and todos), so it is scaled from the 30-minute one.
      const scale = longParts / parts.length;
      const overviewPromptTokens = overview ? Math.round(overview.promptTokens * scale) : 0;
      const overviewSeconds = overview ? overview.promptSeconds * scale + overview.generatedTokens / overview.generationRate : 0;
      const overviewWorst = overview ? overview.promptSeconds * scale + ANSWER_TOKENS / overview.generationRate : 0;
      notes2h = {
        seconds: Math.round(sum(parts.map((a) => a.seconds)) * scale + overviewSeconds),
        worstCaseSeconds: Math.round(sum(parts.map(worstCase)) * scale + overviewWorst),
        parts: longParts,
        overviewPromptTokens,
        estimated: true,
      };
    }
    report({
      ...figures,
      answer: speeds(parts[0]!),
      notes30min: {
        seconds: Math.round(seconds),
        parts: parts.length,
        answerSeconds: answers.map((a) => Math.round(a.seconds)),
        worstCaseSeconds: Math.round(sum(answers.map(worstCase))),
        ...(error && { error }),
      },
      notes2h,
      question30min,
      enginePeakRssMb: await enginePeakRssMb(),
      loadavg: loadavg(),
      note: LLM_NOTE,
    });
    return { eventLoop, partTask: host.tasks[0]! };
  });
}

/** 3b: the same part's answer, its generation capped (CAPPED_3B_TOKENS). */
function answer3b(partTask: LlamaTask) {
  return withLlama('3b', async (host, file, figures) => {
    progress(`llm 3b: a notes answer, generation capped at ${CAPPED_3B_TOKENS} tokens`);
    await host.run({ ...partTask, modelPath: file, maxTokens: CAPPED_3B_TOKENS });
    report({
      ...figures,
      answer: { ...speeds(host.answers[0]!), generationCappedAt: CAPPED_3B_TOKENS },
      enginePeakRssMb: await enginePeakRssMb(),
      loadavg: loadavg(),
      note: LLM_NOTE,
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------

const benchStarted = performance.now();
try {
  if (LLM_ONLY) {
    await answer3b((await notes1b()).partTask);
  } else {
    progress('audio: espeak-ng speech looped by ffmpeg');
    const wav = path.join(work.dir, 'speech.wav');
    await run('espeak-ng', ['-w', wav, SPEECH_TEXT]);
    const warm = await audio(wav, 5);
    const halfMinute = await audio(wav, 30);
    const twoMinutes = await audio(wav, 120);
    const tenMinutes = await audio(wav, 600);

    progress('event loop: idle for 20 s');
    const stopIdle = await watchEventLoop();
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const idle = await stopIdle();

    await speech('tiny', { warm, window: halfMinute, recording: tenMinutes }, false);
    const transcribing = await speech('base', { warm, window: halfMinute, recording: tenMinutes }, true);
    // `small` runs at about real time here: two minutes keep the run short.
    await speech('small', { warm, window: halfMinute, recording: twoMinutes }, false);
    const notes = await notes1b();
    await answer3b(notes.partTask);
    report({ bench: 'local-event-loop', idle, transcribingBase10min: transcribing, notes1b30min: notes.eventLoop, loadavg: loadavg() });
  }
  progress(`done in ${Math.round(since(benchStarted) / 60)} minutes`);
} finally {
  await work.cleanup();
}
process.exit(0);
