import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStream } from '../../core/progress/event-stream.js';
import { until } from '../helpers/until.js';

/** One engine's stream as the contract drives it; everything it opens is closed by `cleanup`. */
export interface EventStreamHarness {
  /** A reader of the test's stream in the test's group, named `consumer`, parsing entries as numbers. */
  reader(consumer: string, claimIdleMs?: number): EventStream<number>;
  append(raw: string): Promise<void>;
  /** Whether the group exists yet (a reader creates it when it starts). */
  groupCreated(): Promise<boolean>;
  /** Entries handed out and not acknowledged: the group's, or one consumer's. */
  pending(consumer?: string): Promise<number>;
  cleanup(): Promise<void>;
}

/** Digits are the test's events; anything else is an unreadable entry. */
export const parseNumber = (raw: string): number | null => (/^\d+$/.test(raw) ? Number(raw) : null);

/** What the bots' streams must do (a consumer group, at-least-once), whichever engine runs them. */
export function eventStreamContract(engine: string, setup: () => Promise<EventStreamHarness>): void {
  describe(`${engine} event stream (contract)`, () => {
    let h: EventStreamHarness;
    let started: EventStream<number>[];
    const reader = (name: string, claimIdleMs?: number) => {
      const r = h.reader(name, claimIdleMs);
      started.push(r);
      return r;
    };

    beforeEach(async () => {
      h = await setup();
      started = [];
    });

    afterEach(async () => {
      await Promise.all(started.map((r) => r.stop()));
      await h.cleanup();
    });

    it('hands each entry to exactly one of two replicas and acks it; skips unreadable entries', async () => {
      const seen: [string, number][] = [];
      const a = reader('a');
      const b = reader('b');
      a.start(async (n) => void seen.push(['a', n]));
      b.start(async (n) => void seen.push(['b', n]));
      await until('the group', () => h.groupCreated());
      for (let i = 0; i < 40; i++) await h.append(String(i));
      await h.append('garbage');
      await until('40 entries', async () => seen.length >= 40);
      await until('nothing pending', async () => (await h.pending()) === 0);
      await Promise.all([a.stop(), b.stop()]);
      expect(seen.map(([, n]) => n).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    });

    it('re-delivers what a consumer had not finished: to itself after a restart, or to another once abandoned', async () => {
      const failing = reader('crashy');
      const attempts: number[] = [];
      failing.start(async (n) => {
        attempts.push(n);
        throw new Error('bot died mid-edit');
      });
      await until('the group', () => h.groupCreated());
      await h.append('100');
      await until('the first attempt', async () => attempts.includes(100));
      await failing.stop();

      const restarted = reader('crashy');
      const handled: number[] = [];
      restarted.start(async (n) => void handled.push(n));
      await until('the retry after the restart', async () => handled.includes(100));
      await restarted.stop();

      const dead = reader('dead');
      dead.start(async () => {
        throw new Error('never finishes');
      });
      await h.append('200');
      await until('the dead consumer to take it', async () => (await h.pending('dead')) > 0);
      await dead.stop();
      const rescuer = reader('rescuer', 200);
      const rescued: number[] = [];
      rescuer.start(async (n) => void rescued.push(n));
      await until('the rescue', async () => rescued.includes(200));
      await rescuer.stop();
      expect(await h.pending()).toBe(0);
    });

    it('delivers what was published while no reader ran, once the group exists', async () => {
      const first = reader('bot');
      const handled: number[] = [];
      first.start(async (n) => void handled.push(n));
      await until('the group', () => h.groupCreated());
      await h.append('1');
      await until('the first entry', async () => handled.includes(1));
      await first.stop();

      await h.append('2');
      await h.append('3');
      const next = reader('bot');
      next.start(async (n) => void handled.push(n));
      await until('the entries published while stopped', async () => handled.length >= 3);
      expect(handled).toEqual([1, 2, 3]);
    });
  });
}
