import type { Knex } from 'knex';

/**
 * How long a claim is kept: far beyond Slack's retries (the last comes about 5 minutes after the event)
 * and its 5-minute signature window, past which a replayed request is refused anyway.
 */
export const CLAIM_TTL_SECONDS = 24 * 60 * 60;

/**
 * Chat deliveries acted on once, whichever process or replica receives them and however often: a Slack
 * event retried or replayed, a Discord message seen by two gateway sessions. The first to claim a key
 * acts; everyone after it is told it was done.
 */
export class ChatEventClaims {
  constructor(
    private readonly knex: Knex,
    private readonly ttlSeconds = CLAIM_TTL_SECONDS,
  ) {}

  /** True for the first claim of `key` (anywhere); false for every delivery after it. */
  async claim(key: string): Promise<boolean> {
    await this.sweep();
    const inserted = await this.knex('chat_event_claims').insert({ key }).onConflict('key').ignore().returning('key');
    return inserted.length > 0;
  }

  /** Claims past their time go with the next claim: chat deliveries are rare enough for that to stay cheap. */
  private async sweep(): Promise<void> {
    await this.knex('chat_event_claims').where('claimed_at', '<', this.knex.raw('now() - make_interval(secs => ?)', [this.ttlSeconds])).delete();
  }
}
