import { AppError } from '../errors.js';

/** Whose recordings are counted: the person's own (a start), or the sharer's (a retry or regeneration, which anyone allowed may ask for). */
export type ActiveOf = 'yours' | 'sharers';

/**
 * A start, retry or regeneration refused because the recordings' owner already has `active` sessions
 * uploading or processing. The service knows no commands: each way in adds how its people stop a recording
 * (`withHowToStopOne`), in its own words (docs/architecture.md#errors). The person asking a retry or a
 * regeneration may not be the sharer, who alone (or an admin) can stop one: that sentence names the sharer and
 * takes no such clause.
 */
export class TooManyActiveError extends AppError {
  override name = 'TooManyActiveError';

  constructor(
    readonly active: number,
    /** A clause such as "or stop one with `/whisper cancel <id>`"; none leaves the sentence general. */
    howToStopOne: string | null = null,
    readonly of: ActiveOf = 'yours',
  ) {
    const recordings = active === 1 ? '1 recording' : `${active} recordings`;
    super(
      'TOO_MANY_ACTIVE',
      of === 'yours'
        ? `You already have ${recordings} in progress, as many as one person may have at once. Wait for one to finish, ${howToStopOne ? `${howToStopOne}, ` : ''}then try again.`
        : `Whoever shared this recording already has ${recordings} in progress, as many as one person may have at once. Wait for one of them to finish, then try again.`,
    );
  }

  /** The same refusal, saying how the person's way in stops a recording (a refusal of the sharer's is left as it is). */
  withHowToStopOne(clause: string): TooManyActiveError {
    return this.of === 'yours' ? new TooManyActiveError(this.active, clause) : this;
  }
}
