import { describe, expect, it } from 'vitest';
import { runCliCapturing } from '../test/helpers/cli.js';
import { AppError } from '../core/errors.js';
import { AUTHORIZED, type SessionService } from '../core/sessions/session.service.js';
import { TooManyActiveError } from '../core/sessions/too-many-active.js';
import type { CliDeps } from './cli.js';

/** A core of which nothing may be used: a command line refused before anything starts never reaches it. */
const untouchable = new Proxy({} as CliDeps, {
  get: (_target, part) => {
    throw new Error(`the core was used (${String(part)})`);
  },
});

const cli = (argv: string[], deps: CliDeps = untouchable) => runCliCapturing(argv, deps);

describe('a command line the CLI cannot run', () => {
  it('`help`, `--help` and `-h` print the usage, naming the command as a person types it, on stdout', async () => {
    for (const flag of ['help', '--help', '-h']) {
      const { code, out, err } = await cli([flag]);
      expect(code).toBe(0);
      expect(out).toMatch(/^Usage:\n {2}whisper-notes submit <file-or-url>/);
      expect(err).toBe('');
    }
  });

  it('a misspelt flag is named with the flag meant, exit 2, before anything starts', async () => {
    const { code, out, err } = await cli(['submit', 'standup.mp4', '--wiat']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe('Unknown option --wiat. Did you mean --wait?\nRun `whisper-notes help` to see the commands and options.');
  });

  it('an option value it cannot use is refused in a sentence, exit 2, and nothing is stored', async () => {
    for (const [flags, sentence] of [
      [['--min-speakers', 'abc'], '--min-speakers must be a whole number of at least 1, not "abc".'],
      [['--language', 'klingon'], '--language "klingon" is not a language we know'],
    ] as const) {
      const { code, err } = await cli(['submit', 'standup.mp4', ...flags]);
      expect(code).toBe(2);
      expect(err).toContain(sentence);
      expect(err).not.toMatch(/ZodError|\n\s+at /);
    }
  });

  it('a language named in English reaches the session as its ISO 639-1 code', async () => {
    const started: unknown[] = [];
    const sessionService = {
      start: (input: unknown) => {
        started.push(input);
        return Promise.reject(new AppError('QUEUE_UNAVAILABLE', 'Not now.'));
      },
    } as unknown as SessionService;
    const { code } = await cli(['submit', 'https://example.com/standup.mp4', '--language', 'English', '--max-speakers', '3'], { sessionService } as CliDeps);
    expect(code).toBe(1);
    expect(started).toEqual([expect.objectContaining({ options: { language: 'en', diarize: true, minSpeakers: null, maxSpeakers: 3 } })]);
  });
});

describe('`retry <id>`', () => {
  const id = '7f1c2a34-5b6d-4e8f-9a0b-1c2d3e4f5a6b';
  /** A service whose retry answers `result`, recording what it was asked. */
  function retrying(result: unknown) {
    const asked: unknown[][] = [];
    const sessionService = {
      retry: (...args: unknown[]) => {
        asked.push(args);
        return Promise.resolve(result);
      },
    } as unknown as SessionService;
    return { deps: { sessionService } as CliDeps, asked };
  }

  it('starts a failed session again as an operator, says where from, exit 0', async () => {
    const { deps, asked } = retrying({ outcome: 'retried', resumesFrom: 'todos', session: {} });
    expect(await cli(['retry', id], deps)).toEqual({ code: 0, out: `Retrying ${id} from its stored transcript`, err: '' });
    expect(asked).toEqual([[id, AUTHORIZED]]); // the operator may retry anyone's
  });

  it('says why nothing started, exit 1: not failed, never uploaded, the owner at their limit, no such session', async () => {
    for (const [result, sentence] of [
      [{ outcome: 'not-failed', session: { status: 'COMPLETED' } }, `Session ${id} has not failed (COMPLETED); nothing to retry`],
      [{ outcome: 'no-recording', session: {} }, `Session ${id} never finished uploading`],
      [
        { outcome: 'too-many-active', session: {}, error: new TooManyActiveError(3, null, 'sharers') },
        `Refused (TOO_MANY_ACTIVE): ${'Whoever shared this recording already has 3 recordings in progress, as many as one person may have at once. Wait for one of them to finish, then try again.'}`,
      ],
      [{ outcome: 'not-found' }, `No session ${id}`],
    ] as const) {
      const { code, out, err } = await cli(['retry', id], retrying(result).deps);
      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toContain(sentence);
    }
    expect(await cli(['retry', 'not-an-id'])).toEqual({ code: 1, out: '', err: 'No session not-an-id' });
  });
});
