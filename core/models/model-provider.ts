import { access } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { formatBytes } from '../ingest/byte-limit.js';
import type { Logger } from '../logger.js';
import { MODEL_LABELS, MODEL_VARIABLES, type LocalModel } from './catalog.js';
import { ensureModel, modelState, ModelUnavailableError, type DownloadProgress } from './model-download.js';

export type ModelState = 'present' | 'downloading' | 'missing';

/**
 * One local engine's model file: present, or fetched once when first needed. Callers in this process share
 * one download; other processes on the same MODELS_DIR wait for the one that holds the download's lock.
 */
export class ModelProvider {
  private download: Promise<string> | null = null;
  private readonly listeners = new Set<(p: DownloadProgress) => void>();
  private readonly closing = new AbortController();

  constructor(
    readonly model: LocalModel,
    private readonly log: Logger,
  ) {}

  async state(): Promise<ModelState> {
    const { source } = this.model;
    if (!source) return (await exists(this.model.path)) ? 'present' : 'missing';
    if (this.download) return 'downloading';
    return modelState(path.dirname(this.model.path), source);
  }

  /**
   * The model's path once it is whole. Waiting stops when `signal` aborts; the download goes on for the
   * other callers and the next job.
   */
  async ensure(onProgress?: (p: DownloadProgress) => void, signal?: AbortSignal): Promise<string> {
    const { source } = this.model;
    if (!source) {
      if (await exists(this.model.path)) return this.model.path;
      throw this.noFile();
    }
    if (onProgress) this.listeners.add(onProgress);
    try {
      const download = (this.download ??= ensureModel(path.dirname(this.model.path), source, {
        log: this.log,
        signal: this.closing.signal,
        onProgress: (p: DownloadProgress) => this.listeners.forEach((l) => l(p)),
      }).finally(() => {
        this.download = null;
      }));
      return await abortable(download, signal);
    } catch (err) {
      if (err instanceof ModelUnavailableError) throw new AppError('MODEL_UNAVAILABLE', err.message, false, { cause: err });
      throw err;
    } finally {
      if (onProgress) this.listeners.delete(onProgress);
    }
  }

  /**
   * The model's path if its file is whole now, never fetching it: for a person waiting on an answer, who is
   * told what is happening to the file rather than kept waiting minutes for a download.
   */
  async present(): Promise<string> {
    const state = await this.state();
    if (state === 'present') return this.model.path;
    if (!this.model.source) throw this.noFile();
    const label = capitalised(MODEL_LABELS[this.model.kind]);
    throw new AppError(
      'MODEL_UNAVAILABLE',
      state === 'downloading'
        ? `${label} is still being downloaded; try again in a few minutes, once it is there.`
        : `${label} has not been downloaded yet: the processor fetches it when it starts, or an administrator can run "npx whisper-notes models pull".`,
      true,
    );
  }

  private noFile(): AppError {
    return new AppError(
      'MODEL_UNAVAILABLE',
      `${capitalised(MODEL_LABELS[this.model.kind])} file ${this.model.path} does not exist. ` +
        `Copy the model there, or set ${MODEL_VARIABLES[this.model.kind]} to a model name to have it downloaded.`,
    );
  }

  /** Starts fetching the model now (at start-up), so the first recording waits less; failures are logged. */
  prefetch(): void {
    if (!this.model.source) return;
    this.ensure().then(
      () => this.log.info({ model: this.model.name, path: this.model.path }, `${this.model.kind} model ready`),
      (err: unknown) => this.log.warn({ model: this.model.name, err: err instanceof AppError ? err.userMessage : err }, `${this.model.kind} model not fetched`),
    );
  }

  /** Stops a download in progress (its part is kept, so the next start resumes it). */
  close(): void {
    this.closing.abort(new Error('shutting down'));
  }
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** "Downloading the speech model: 35 % of 148.0 MB", for the session's progress and the page. */
export function downloadMessage(label: string, p: DownloadProgress): string {
  const size = p.totalBytes === null ? '' : ` of ${formatBytes(p.totalBytes)}`;
  const percent = p.percent === null ? formatBytes(p.receivedBytes) : `${Math.floor(p.percent)} %`;
  return `Downloading ${label}: ${percent}${size}`;
}
