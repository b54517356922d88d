import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/media.js';

/**
 * The real WhisperX worker (docker/whisperx/server.py) as a child process on 127.0.0.1, with the stand-in
 * `whisperx` package of stub-whisperx/ on its path instead of the real one, and helpers that make the audio
 * it is sent: speech from espeak-ng carrying the stand-in's script in its `comment` tag.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = path.join(ROOT, 'docker/whisperx/server.py');
const STUB = path.join(ROOT, 'test/deploy/stub-whisperx');
const START_TIMEOUT_MS = 20_000;

/** One call the stand-in received (STUB_WHISPERX_CALLS). */
export interface StubCall {
  fn: string;
  [detail: string]: unknown;
}

export interface WorkerProcess {
  /** e.g. `http://127.0.0.1:41234`, for `WHISPERX_URL`. */
  url: string;
  /** Every whisperx call so far, in order. */
  calls(): Promise<StubCall[]>;
  /** What the worker logged so far. */
  log(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export interface SpawnedWorker {
  child: ChildProcess;
  callsFile: string;
  log: () => string;
  exited: Promise<number | null>;
}

/** Starts the worker without waiting for it; for tests of how it starts (or refuses to). */
export function spawnWorker(dir: string, env: Record<string, string> = {}): SpawnedWorker {
  const callsFile = path.join(dir, `calls-${process.hrtime.bigint()}.jsonl`);
  const child = spawn('python3', [SERVER], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PYTHONPATH: STUB,
      PYTHONDONTWRITEBYTECODE: '1',
      HOST: '127.0.0.1',
      PORT: '0',
      DEVICE: 'cpu',
      // The worker's own settings start from their defaults whatever this machine's environment says.
      WHISPERX_MODEL: '',
      COMPUTE_TYPE: '',
      BATCH_SIZE: '',
      HF_TOKEN: '',
      LOG_LEVEL: 'info',
      STUB_WHISPERX_GPU_MAX_BATCH: '',
      STUB_WHISPERX_CALLS: callsFile,
      ...env,
    },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, callsFile, log: () => output, exited };
}

/** Starts the worker and resolves once it says it is ready (its model loaded). */
export async function startWorker(dir: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const worker = spawnWorker(dir, env);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not become ready:\n${worker.log()}`)), START_TIMEOUT_MS);
    const check = () => {
      const listening = /listening on [\d.]+:(\d+)/.exec(worker.log());
      if (listening && /: ready$/m.test(worker.log())) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    };
    worker.child.stderr!.on('data', check);
    void worker.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${worker.log()}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async calls() {
      const text = await readFile(worker.callsFile, 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as StubCall);
    },
    log: worker.log,
    async stop() {
      if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
      return worker.exited;
    },
  };
}

/** What the stand-in "hears" in a recording (see stub-whisperx/whisperx/__init__.py). */
export interface StubScript {
  said?: [speaker: string, text: string][];
  /** The language detection finds. */
  language?: string;
  /** Transcription goes on until this file exists. */
  hold?: string;
}

/** Speech by espeak-ng, 16 kHz mono FLAC as the processor sends it, with the script in its comment tag. */
export async function makeSpeech(dir: string, name: string, script: StubScript): Promise<string> {
  const text = (script.said ?? []).map(([, line]) => line).join(' ') || 'Hello.';
  const wav = path.join(dir, `${name}.speech.wav`);
  const out = path.join(dir, `${name}.flac`);
  await run('espeak-ng', ['-w', wav, text]);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, '-ac', '1', '-ar', '16000', '-sample_fmt', 's16', '-c:a', 'flac', '-metadata', `comment=${JSON.stringify(script)}`, out]);
  return out;
}

/** Three seconds of digital silence, as FLAC. */
export async function makeSilence(dir: string, name = 'silence'): Promise<string> {
  const out = path.join(dir, `${name}.flac`);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '3', '-sample_fmt', 's16', '-c:a', 'flac', out]);
  return out;
}
