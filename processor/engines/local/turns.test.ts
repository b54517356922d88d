import { describe, expect, it } from 'vitest';
import { Turns } from './inference-host.js';

/** The turns the local engines of one process share: one computes at a time, in order of arrival. */
describe('Turns', () => {
  it('gives one turn at a time, in order', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const task = async (name: string, ms: number) => {
      const release = await turns.take(undefined);
      log.push(`${name} start`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name} end`);
      release();
    };
    await Promise.all([task('speech', 30), task('notes', 5), task('speech 2', 1)]);
    expect(log).toEqual(['speech start', 'speech end', 'notes start', 'notes end', 'speech 2 start', 'speech 2 end']);
  });

  it('lets a waiting task be cancelled at once, without letting the next one start before the running one ends', async () => {
    const turns = new Turns();
    const running = await turns.take(undefined);
    const controller = new AbortController();
    const cancelled = turns.take(controller.signal);
    let nextStarted = false;
    const next = turns.take(undefined).then((release) => {
      nextStarted = true;
      return release;
    });
    controller.abort(new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    await new Promise((r) => setTimeout(r, 20));
    expect(nextStarted).toBe(false);
    running();
    (await next)();
    expect(nextStarted).toBe(true);
  });
});
