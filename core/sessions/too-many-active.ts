import { AppError } from '../errors.js';

/**
 * A start refused because the person already has `active` sessions uploading or processing. The service
 * knows no commands: each way in adds how its people stop a recording (`withHowToStopOne`), in its own
 * words (docs/architecture.md#errors).
 */
export class TooManyActiveError extends AppError {
  override name = 'TooManyActiveError';

  constructor(
    readonly active: number,
    /** A clause such as "or stop one with `/whisper cancel <id>`"; none leaves the sentence general. */
    howToStopOne: string | null = null,
  ) {
    const recordings = active === 1 ? '1 recording' : `${active} recordings`;
    super(
      'TOO_MANY_ACTIVE',
      `You already have ${recordings} in progress, as many as one person may have at once. Wait for one to finish, ${howToStopOne ? `${howToStopOne}, ` : ''}then try again.`,
    );
  }

  /** The same refusal, saying how the person's way in stops a recording. */
  withHowToStopOne(clause: string): TooManyActiveError {
    return new TooManyActiveError(this.active, clause);
  }
}
