import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgressEvent, ProgressUpdate } from '../../core/domain/progress.js';
import type { Logger } from '../../core/logger.js';
import type { ProgressBus, ProgressFeed } from '../../core/progress/progress-bus.js';

/** One engine as the contract drives it; everything it opens is closed by `cleanup`. */
export interface ProgressEngineHarness {
  newBus(options?: { clock?: () => Date; streamMaxLength?: number }): ProgressBus;
  newFeed(log?: Logger): ProgressFeed;
  /** Every event of the `progress-events` stream, oldest first. */
  streamed(): Promise<ProgressEvent[]>;
  /** Hands `raw` to the session's viewers the way the engine carries events (to test malformed ones). */
  injectRaw(sessionId: string, raw: string): Promise<void>;
  /** How many subscriptions the engine holds for the session, where it can tell. */
  subscriptions?: (sessionId: string) => Promise<number>;
  cleanup(): Promise<void>;
}

export function update(sessionId: string, percent: number, overrides: Partial<ProgressUpdate> = {}): ProgressUpdate {
  return { sessionId, status: 'PROCESSING', stage: 'transcribe', percent, message: `Transcribing ${percent}%`, ...overrides };
}

/** Collects events and lets a test wait until a given number has arrived. */
export function collector() {
  const events: ProgressEvent[] = [];
  return {
    events,
    listener: (e: ProgressEvent) => void events.push(e),
    until: (count: number) => vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(count), { timeout: 5000 }),
  };
}

/** What every progress engine must do (docs/architecture.md#progress-events), whichever one runs. */
export function progressEngineContract(engine: string, setup: () => Promise<ProgressEngineHarness>): void {
  describe(`${engine} progress engine (contract)`, () => {
    let h: ProgressEngineHarness;

    beforeEach(async () => {
      h = await setup();
    });

    afterEach(async () => {
      await h.cleanup();
    });

    describe('bus', () => {
      it('numbers events 1, 2, 3… per session even when two processes publish at once', async () => {
        const sessionId = randomUUID();
        const [a, b] = [h.newBus(), h.newBus()];
        const published = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).publish(update(sessionId, i))));

        const seqs = published.map((e) => e.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        const newest = published.find((e) => e.seq === 40)!;
        expect(await a.latest(sessionId)).toEqual(newest);
        expect(await b.latest(sessionId)).toEqual(newest);
      });

      it('stamps the time from its clock and fills the optional fields', async () => {
        const sessionId = randomUUID();
        const bus = h.newBus({ clock: () => new Date('2026-11-25T10:30:00.000Z') });
        const failed = await bus.publish(
          update(sessionId, 12, { status: 'FAILED', stage: 'audio', error: { code: 'NO_AUDIO', message: 'The recording has no sound.' } }),
        );
        const expected = {
          sessionId,
          seq: 1,
          status: 'FAILED',
          stage: 'audio',
          percent: 12,
          message: 'Transcribing 12%',
          etaSeconds: null,
          at: '2026-11-25T10:30:00.000Z',
          error: { code: 'NO_AUDIO', message: 'The recording has no sound.' },
        };
        expect(failed).toEqual(expected);
        expect(await bus.latest(sessionId)).toEqual(expected);
      });

      it('refuses an update that is not a valid event, storing nothing', async () => {
        const sessionId = randomUUID();
        const bus = h.newBus();
        await expect(bus.publish(update(sessionId, 140))).rejects.toThrow();
        expect(await bus.latest(sessionId)).toBeNull();
      });

      it('appends every event to the progress-events stream, which stays capped', async () => {
        const bus = h.newBus({ streamMaxLength: 50 });
        const sessionId = randomUUID();
        let last: ProgressEvent | undefined;
        for (let i = 0; i < 300; i++) last = await bus.publish(update(sessionId, i % 100));

        const streamed = await h.streamed();
        // Trimming is approximate (Redis trims whole stream nodes of 100 entries): cap ≤ length ≤ cap + 100.
        expect(streamed.length).toBeGreaterThanOrEqual(50);
        expect(streamed.length).toBeLessThanOrEqual(150);
        expect(streamed.at(-1)).toEqual(last);
      });

      it('keeps a final state: a late update from a job that has not noticed the cancellation is dropped', async () => {
        const bus = h.newBus();
        const id = randomUUID();
        await bus.publish(update(id, 40));
        const cancelled = await bus.publish(update(id, 40, { status: 'CANCELLED', message: 'Cancelled' }));
        expect(await bus.publish(update(id, 55))).toEqual(cancelled);
        expect(await bus.latest(id)).toEqual(cancelled);
        const streamed = await h.streamed();
        expect(streamed.filter((e) => e.sessionId === id).map((e) => e.status)).toEqual(['PROCESSING', 'CANCELLED']);
      });

      it('lets an update that reopens a failed session replace its final state', async () => {
        const bus = h.newBus();
        const id = randomUUID();
        const failed = await bus.publish(update(id, 85, { status: 'FAILED', message: 'The LLM is down' }));
        const reopened = await bus.publish(update(id, 85, { message: 'Trying again' }), { reopens: true });
        expect(reopened).toMatchObject({ status: 'PROCESSING', seq: failed.seq + 1 });
        expect(await bus.latest(id)).toEqual(reopened);
        expect(await bus.publish(update(id, 90))).toMatchObject({ status: 'PROCESSING', seq: failed.seq + 2 });
      });

      it('forgets a session: its state is gone and numbering starts again', async () => {
        const sessionId = randomUUID();
        const bus = h.newBus();
        await bus.publish(update(sessionId, 1));
        await bus.publish(update(sessionId, 2));
        await bus.forget(sessionId);

        expect(await bus.latest(sessionId)).toBeNull();
        expect((await bus.publish(update(sessionId, 3))).seq).toBe(1);
      });

      it('answers ping', async () => {
        await expect(h.newBus().ping()).resolves.toBeUndefined();
      });
    });

    describe('feed', () => {
      it('delivers a session’s events in order, and only that session’s', async () => {
        const [mine, other] = [randomUUID(), randomUUID()];
        const bus = h.newBus();
        const seen = collector();
        await h.newFeed().subscribe(mine, seen.listener).ready;

        // Not awaited one by one: the events race each other and must still arrive in seq order.
        const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => bus.publish(update(i % 4 === 3 ? other : mine, i))));
        const expected = sent.filter((e) => e.sessionId === mine).sort((x, y) => x.seq - y.seq);
        await seen.until(expected.length);
        expect(seen.events).toEqual(expected);
        expect(seen.events.map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      });

      it('serves 200 viewers of one session from one subscription', async () => {
        const sessionId = randomUUID();
        const feed = h.newFeed();
        const viewers = Array.from({ length: 200 }, () => collector());
        const stops = viewers.map((v) => feed.subscribe(sessionId, v.listener));
        await Promise.all(stops.map((s) => s.ready));
        if (h.subscriptions) expect(await h.subscriptions(sessionId)).toBe(1);

        const event = await h.newBus().publish(update(sessionId, 50));
        await Promise.all(viewers.map((v) => v.until(1)));
        for (const v of viewers) expect(v.events).toEqual([event]);
      });

      it('keeps delivering until the last viewer leaves, and starts afresh for a later one', async () => {
        const sessionId = randomUUID();
        const bus = h.newBus();
        const feed = h.newFeed();
        const [first, second] = [collector(), collector()];
        const stopFirst = feed.subscribe(sessionId, first.listener);
        const stopSecond = feed.subscribe(sessionId, second.listener);
        await stopSecond.ready;

        stopFirst();
        stopFirst(); // twice is harmless: it must not remove the other viewer
        const event = await bus.publish(update(sessionId, 1));
        await second.until(1);
        expect(second.events).toEqual([event]);
        expect(first.events).toEqual([]);
        if (h.subscriptions) expect(await h.subscriptions(sessionId)).toBe(1);

        stopSecond();
        const subscriptions = h.subscriptions;
        if (subscriptions) await vi.waitFor(async () => expect(await subscriptions(sessionId)).toBe(0));
        const unseen = await bus.publish(update(sessionId, 2));

        const third = collector();
        await feed.subscribe(sessionId, third.listener).ready;
        const later = await bus.publish(update(sessionId, 3));
        await third.until(1);
        expect(third.events).toEqual([later]);
        expect(second.events).not.toContainEqual(unseen);
      });

      it('ignores and logs malformed messages, and survives a failing listener', async () => {
        const sessionId = randomUUID();
        const logs: string[] = [];
        const feed = h.newFeed(pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) }));
        const seen = collector();
        await feed.subscribe(sessionId, () => {
          throw new Error('viewer went away');
        }).ready;
        await feed.subscribe(sessionId, seen.listener).ready;

        await h.injectRaw(sessionId, 'not json');
        await h.injectRaw(sessionId, JSON.stringify({ sessionId, seq: 'seven' }));
        const event = await h.newBus().publish(update(sessionId, 9));

        await seen.until(1);
        expect(seen.events).toEqual([event]);
        expect(logs.filter((l) => l.includes('malformed progress message ignored'))).toHaveLength(2);
        expect(logs.filter((l) => l.includes('progress listener failed'))).toHaveLength(1);
      });

      it('refuses new viewers once closed', async () => {
        const feed = h.newFeed();
        await feed.close();
        expect(() => feed.subscribe(randomUUID(), () => undefined)).toThrow('closed');
      });
    });
  });
}
