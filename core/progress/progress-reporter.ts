import type { ProgressEvent, ProgressUpdate } from '../domain/progress.js';
import { overallPercent } from '../domain/progress.js';
import { isFinal, type SessionStatus, type Stage } from '../domain/session.js';
import type { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ProgressBus, PublishOptions } from './progress-bus.js';

const FINAL_RETRIES = 20;

/** Progress within one stage: throttled, with an ETA from the rate so far. */
export interface StageProgress {
  /** `fraction` of this stage done (0..1); published at most once per interval. */
  update(fraction: number, message?: string): void;
  /** Waits until everything reported so far has been published. */
  flush(): Promise<void>;
}

/**
 * Turns pipeline steps into progress events. Progress is a view, not the record: the session row and the
 * stored outputs are the truth, so a Redis outage is logged and never stops the pipeline.
 */
export class ProgressReporter {
  /** Where a retried job's earlier attempt got to, per session: see `resume`. */
  private readonly reached = new Map<string, { stage: Stage; percent: number; attempt: number }>();

  constructor(
    private readonly bus: ProgressBus,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly minIntervalMs = 1000,
    /** First delay before a final event that could not be published is tried again (then doubling). */
    private readonly finalRetryMs = 1000,
  ) {}

  async report(sessionId: string, status: SessionStatus, stage: Stage, fraction: number, message: string): Promise<void> {
    await this.send({ sessionId, status, stage, percent: overallPercent(stage, fraction), message });
  }

  /** Says that the step will be tried again, at the stage and percent reached rather than at the stage's start. */
  async retrying(sessionId: string, stage: Stage, message: string): Promise<void> {
    const latest = await this.latest(sessionId);
    const start = overallPercent(stage, 0);
    const at = latest && latest.percent > start ? { stage: latest.stage, percent: latest.percent } : { stage, percent: start };
    await this.send({ sessionId, status: 'PROCESSING', ...at, message });
  }

  /**
   * A retried job starts over from its first stage. Until its progress passes where the earlier attempt got
   * to, its events stay at that stage and percent and say it is a retry: progress never goes backwards.
   * Ends at `release`.
   */
  async resume(sessionId: string, attempt: number): Promise<void> {
    const latest = await this.latest(sessionId);
    if (latest) this.reached.set(sessionId, { stage: latest.stage, percent: latest.percent, attempt });
  }

  release(sessionId: string): void {
    this.reached.delete(sessionId);
  }

  async fail(sessionId: string, stage: Stage, error: AppError): Promise<void> {
    await this.send({
      sessionId,
      status: 'FAILED',
      stage,
      percent: overallPercent(stage, 0),
      message: error.userMessage,
      error: { code: error.code, message: error.userMessage },
    });
  }

  /** A FAILED session tried again: it shows as running from `stage`, replacing the failure. */
  async reopen(sessionId: string, stage: Stage, message: string): Promise<void> {
    await this.send({ sessionId, status: 'PROCESSING', stage, percent: overallPercent(stage, 0), message }, { reopens: true });
  }

  /** Starts a stage: publishes its beginning now and returns a throttled reporter for its progress. */
  begin(sessionId: string, status: SessionStatus, stage: Stage, message: string): StageProgress {
    const started = this.now();
    let lastSent = started;
    let chain = this.report(sessionId, status, stage, 0, message);
    let lastMessage = message;
    return {
      update: (fraction, next) => {
        lastMessage = next ?? lastMessage;
        const t = this.now();
        if (t - lastSent < this.minIntervalMs) return;
        lastSent = t;
        const f = Math.min(1, Math.max(0, fraction));
        const etaSeconds = f > 0.02 ? Math.round(((t - started) / 1000) * ((1 - f) / f)) : null;
        const event = { sessionId, status, stage, percent: overallPercent(stage, f), message: lastMessage, etaSeconds };
        chain = chain.then(async () => void (await this.send(event)));
      },
      flush: () => chain,
    };
  }

  /** The session's latest event while it is processing; null otherwise or when the bus cannot say. */
  private async latest(sessionId: string): Promise<ProgressEvent | null> {
    const latest = await this.bus.latest(sessionId).catch((err: unknown) => {
      this.log.warn({ err, sessionId }, 'latest progress not read');
      return null;
    });
    return latest?.status === 'PROCESSING' ? latest : null;
  }

  /** The update as a retried job shows it: held where the earlier attempt got to, until it passes it. */
  private held(update: ProgressUpdate): ProgressUpdate {
    const reached = this.reached.get(update.sessionId);
    if (!reached || update.status !== 'PROCESSING') return update;
    if (update.percent >= reached.percent) {
      this.reached.delete(update.sessionId);
      return update;
    }
    const message = `${update.message} (retrying, attempt ${reached.attempt})`;
    return { ...update, stage: reached.stage, percent: reached.percent, message, etaSeconds: null };
  }

  private async send(unheld: ProgressUpdate, options?: PublishOptions): Promise<ProgressEvent | null> {
    const update = this.held(unheld);
    try {
      return await this.bus.publish(update, options);
    } catch (err) {
      this.log.warn({ err, sessionId: update.sessionId, stage: update.stage }, 'progress event not published');
      if (isFinal(update.status)) this.retryFinal(update, 1);
      return null;
    }
  }

  /**
   * Intermediate progress may be lost in an outage, the end may not: the bots and the page wait for it.
   * It is tried again in the background (doubling delays, about 15 minutes in all) until Redis takes it.
   */
  private retryFinal(update: ProgressUpdate, attempt: number): void {
    if (attempt > FINAL_RETRIES) {
      this.log.error({ sessionId: update.sessionId, status: update.status }, 'final progress event never published');
      return;
    }
    const delay = Math.min(this.finalRetryMs * 2 ** (attempt - 1), 60_000);
    setTimeout(() => {
      this.bus.publish(update).catch(() => this.retryFinal(update, attempt + 1));
    }, delay).unref();
  }
}
