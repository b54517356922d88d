/** How long an answer stands: a burst of clicks asks the platform once, and a person who left loses access within a minute. */
export const MEMBERSHIP_TTL_MS = 60_000;

export interface MembershipCacheOptions {
  ttlMs?: number;
  /** Answers kept at most; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Channel-membership answers by channel and person, kept for a short while. A question already being
 * asked is shared rather than asked again; a question that failed is not kept, so the next one asks anew.
 */
export class MembershipCache {
  private readonly answers = new Map<string, { expires: number; answer: Promise<boolean> }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MembershipCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? MEMBERSHIP_TTL_MS;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The kept answer for this channel and person, else `ask()`'s, kept from now on. */
  answer(channelId: string, userId: string, ask: () => Promise<boolean>): Promise<boolean> {
    const key = `${channelId}:${userId}`;
    const kept = this.answers.get(key);
    if (kept && kept.expires > this.now()) return kept.answer;
    this.answers.delete(key);
    if (this.answers.size >= this.maxEntries) this.answers.delete(this.answers.keys().next().value!);
    const answer = ask();
    this.answers.set(key, { expires: this.now() + this.ttlMs, answer });
    answer.catch(() => {
      if (this.answers.get(key)?.answer === answer) this.answers.delete(key);
    });
    return answer;
  }
}
