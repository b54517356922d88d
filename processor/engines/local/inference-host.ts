import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../../core/logger.js';
import type { HostReply, HostRequest } from './host-protocol.js';

export interface InferenceHostOptions {
  /** For logs and errors: "whisper.cpp", "llama.cpp". */
  name: string;
  /** The child's entry module (see `serveInference`). */
  entry: URL;
  /** The child exits (and its model's memory is freed) after this long without work. */
  idleMs: number;
  log: Logger;
  /**
   * Whose turn it is to compute, shared by the engines of one process: each uses every core it is given,
   * and two at once run far slower than one after the other (whisper.cpp's threads spin at barriers).
   */
  turns?: Turns;
}

/** One task at a time across the engines that share it; the others wait in order. */
export class Turns {
  private last: Promise<void> = Promise.resolve();

  /** Resolves with a release once the tasks before are done; rejects at once when `signal` aborts first. */
  take(signal: AbortSignal | undefined): Promise<() => void> {
    const before = this.last;
    let release!: () => void;
    this.last = new Promise((resolve) => (release = resolve));
    // A task cancelled while waiting hands its turn on only when the one before it is done.
    const handOn = () => void before.then(release);
    return waitFor(before, signal).then(
      () => handOn,
      (err: unknown) => {
        handOn();
        throw err;
      },
    );
  }
}

export interface RunOptions<P> {
  signal?: AbortSignal;
  onProgress?: (progress: P) => void;
}

/** The child ended while it was working: a crash in the native engine, or the kernel's OOM killer. */
export class EngineCrashed extends Error {
  override name = 'EngineCrashed';
}

// Children run our TypeScript the way the parent does, whether the parent runs under tsx or vitest.
const TSX_LOADER = import.meta.resolve('tsx');

/**
 * Runs an in-process inference engine in a child process: native inference never blocks this process's
 * event loop (the page's SSE and the bots stay responsive), a crash in it fails one job instead of the
 * service, and cancelling is a kill that takes effect at once whatever the engine is doing. The model stays
 * loaded in the child between tasks; one task runs at a time and the others wait their turn.
 */
export class InferenceHost<T, R, P> {
  private child: ChildProcess | null = null;
  private readonly turns: Turns;
  private waiting = 0;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: InferenceHostOptions) {
    this.turns = options.turns ?? new Turns();
  }

  /** Whether the engine's process (and its model) is in memory now. */
  get loaded(): boolean {
    return this.child !== null;
  }

  /** Tasks running or waiting for their turn. */
  get pending(): number {
    return this.waiting;
  }

  async run(task: T, { signal, onProgress }: RunOptions<P> = {}): Promise<R> {
    this.waiting++;
    this.clearIdle();
    try {
      const release = await this.turns.take(signal);
      try {
        return await this.runNow(task, signal, onProgress);
      } finally {
        release();
      }
    } finally {
      this.finished();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearIdle();
    await this.stopChild('SIGTERM');
  }

  private finished(): void {
    this.waiting--;
    if (this.waiting === 0 && this.child) {
      this.idleTimer = setTimeout(() => {
        this.options.log.info({ engine: this.options.name, idleMs: this.options.idleMs }, 'local engine idle: model unloaded');
        void this.stopChild('SIGTERM');
      }, this.options.idleMs);
      this.idleTimer.unref();
    }
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private async runNow(task: T, signal: AbortSignal | undefined, onProgress: ((p: P) => void) | undefined): Promise<R> {
    signal?.throwIfAborted();
    if (this.closed) throw new Error(`the local ${this.options.name} engine is shut down`);
    const child = this.child ?? this.spawn();
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const done = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
      };
      const onMessage = (message: HostReply<R, P>) => {
        if (message.id !== id) return;
        if (message.type === 'progress') return onProgress?.(message.progress);
        done();
        if (message.type === 'result') resolve(message.result);
        else reject(new Error(message.message));
      };
      const onExit = (code: number | null, killedBy: NodeJS.Signals | null) => {
        done();
        reject(new EngineCrashed(`the local ${this.options.name} engine stopped while working (${killedBy ?? `exit code ${code}`})`));
      };
      // Inference cannot be interrupted from outside the engine, but its process can: the model is loaded
      // again for the next task, which costs seconds, not the minutes an unwanted transcription would.
      const onAbort = () => {
        done();
        this.options.log.info({ engine: this.options.name }, 'local engine task cancelled: engine process stopped');
        void this.stopChild('SIGKILL');
        reject(signal!.reason);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      child.send({ type: 'run', id, task } satisfies HostRequest<T>);
    });
  }

  private spawn(): ChildProcess {
    const { name, entry, log } = this.options;
    const child = fork(fileURLToPath(entry), [], {
      execArgv: ['--import', TSX_LOADER],
      // Native engines print their own diagnostics: kept, as debug lines of our log.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => log.debug({ engine: name }, line));
    }
    // A message sent as the child dies fails here; the task learns of it from the exit.
    child.on('error', (err) => log.warn({ engine: name, err }, 'local engine process error'));
    child.once('exit', (code, killedBy) => {
      if (this.child === child) this.child = null;
      log.debug({ engine: name, code, signal: killedBy }, 'local engine process exited');
    });
    log.info({ engine: name, pid: child.pid }, 'local engine process started');
    this.child = child;
    return child;
  }

  private async stopChild(how: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit').then(() => {});
    child.kill(how);
    await exited;
  }
}

/** Resolves when `turn` does; rejects at once when `signal` aborts first. */
function waitFor(turn: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return turn;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void turn.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
