import { describe, expect, it } from 'vitest';
import { MembershipCache } from './membership-cache.js';

/** A question to the platform that counts how often it was asked and answers `answer`. */
function asking(answer: boolean | Error) {
  const ask = Object.assign(() => {
    ask.count++;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }, { count: 0 });
  return ask;
}

describe('MembershipCache', () => {
  it('keeps an answer per channel and person for its time to live, then asks again', async () => {
    let now = 0;
    const cache = new MembershipCache({ ttlMs: 60_000, now: () => now });
    const yes = asking(true);
    expect(await cache.answer('C1', 'U1', yes)).toBe(true);
    now = 59_999;
    expect(await cache.answer('C1', 'U1', yes)).toBe(true);
    expect(yes.count).toBe(1);

    const no = asking(false);
    expect(await cache.answer('C1', 'U2', no)).toBe(false); // another person
    expect(await cache.answer('C2', 'U1', no)).toBe(false); // another channel
    expect(no.count).toBe(2);

    now = 60_000;
    expect(await cache.answer('C1', 'U1', no)).toBe(false);
    expect(no.count).toBe(3);
  });

  it('shares a question still being asked: a burst of clicks asks the platform once', async () => {
    const cache = new MembershipCache();
    let settle!: (member: boolean) => void;
    let asked = 0;
    const slow = () => {
      asked++;
      return new Promise<boolean>((resolve) => (settle = resolve));
    };
    const burst = [cache.answer('C1', 'U1', slow), cache.answer('C1', 'U1', slow), cache.answer('C1', 'U1', slow)];
    settle(true);
    expect(await Promise.all(burst)).toEqual([true, true, true]);
    expect(asked).toBe(1);
  });

  it('does not keep a failed question: the next one asks anew', async () => {
    const cache = new MembershipCache();
    await expect(cache.answer('C1', 'U1', asking(new Error('rate limited too long')))).rejects.toThrow('rate limited too long');
    const yes = asking(true);
    expect(await cache.answer('C1', 'U1', yes)).toBe(true);
    expect(yes.count).toBe(1);
  });

  it('holds at most maxEntries answers, letting the oldest go first', async () => {
    const cache = new MembershipCache({ maxEntries: 2 });
    const yes = asking(true);
    await cache.answer('C1', 'U1', yes);
    await cache.answer('C1', 'U2', yes);
    await cache.answer('C1', 'U3', yes); // U1 goes
    await cache.answer('C1', 'U2', yes);
    await cache.answer('C1', 'U3', yes);
    expect(yes.count).toBe(3);
    await cache.answer('C1', 'U1', yes);
    expect(yes.count).toBe(4);
  });
});
