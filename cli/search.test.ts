import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../core/app.js';
import { statusPageUrl } from '../core/links.js';
import { NOTES, transcriptFor } from '../test/e2e/web-fixture.js';
import { runCliCapturing } from '../test/helpers/cli.js';
import { storeNotes, uploadingSession } from '../test/helpers/sessions.js';
import { useTestCore } from '../test/helpers/test-core.js';
import { parseCliArgs } from './args.js';

const testCore = useTestCore();
let core: Core;
/** A word no other test's meeting says, so searching all meetings finds only these. */
const word = `quokka${randomBytes(4).toString('hex')}`;
let first: string;
let second: string;

const cli = (argv: string[]) => runCliCapturing(argv, core);
const page = (id: string) => statusPageUrl(core.config.web.publicBaseUrl, id, core.config.web.linkSecret!);

/** A meeting whose transcript is `lines`, stored and indexed as the processor leaves it. */
async function meeting(filename: string, lines: Parameters<typeof transcriptFor>[1], title: string | null = null): Promise<string> {
  const userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: 'search-cli' });
  const { id } = await uploadingSession(core, userId, { filename });
  testCore.created.push(id);
  await storeNotes(core, id, { ...NOTES, title }, transcriptFor(id, lines));
  return id;
}

beforeAll(async () => {
  core = testCore.core;
  first = await meeting('pricing-review.mp4', [
    ['SPEAKER_00', 0, 'Welcome everyone.'],
    ['SPEAKER_01', 754.2, `The ${word} budget goes up, and the ${word} plan with it.`],
  ]);
  // Its notes proposed a title: hits are named by it.
  second = await meeting('retro.mp4', [['SPEAKER_00', 12, `Nobody mentioned the ${word} since.`]], 'Sprint retro');
  await core.speakers.nameSpeakers(first, { SPEAKER_01: 'Maria' }, 'op');
});

describe('whisper-notes search', () => {
  it('prints the best lines of every meeting, quoted with the speaker, each linking to its page at that second', async () => {
    const { code, out, err } = await cli(['search', word, 'budget']);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toBe(
      [`pricing-review.mp4 · ${first} · 00:12:34`, `  Maria: "The ${word} budget goes up, and the ${word} plan with it."`, `  ${page(first)}#t=754`].join('\n'),
    );
    const both = await cli(['search', word]);
    expect(both.out.indexOf(first)).toBeLessThan(both.out.indexOf(second)); // said twice ranks first
    expect(both.out).toContain(`Sprint retro · ${second} · 00:00:12\n  Speaker 1: "Nobody mentioned the ${word} since."\n  ${page(second)}#t=12`);
  });

  it('answers as JSON, and shows at most --limit lines', async () => {
    const { code, out } = await cli(['search', word, '--json', '--limit', '1']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      query: word,
      hits: [
        {
          sessionId: first, title: 'pricing-review.mp4', filename: 'pricing-review.mp4', kind: 'transcript', segmentId: 1, startSeconds: 754.2, speaker: 'Maria',
          text: `The ${word} budget goes up, and the ${word} plan with it.`, rank: (JSON.parse(out) as { hits: Array<{ rank: number }> }).hits[0]!.rank, link: `${page(first)}#t=754`,
        },
      ],
    });
  });

  it('takes search syntax and stray symbols, and says when nothing matches', async () => {
    expect((await cli(['search', `"${word} plan"`])).out).toContain(first);
    expect((await cli(['search', `"plan ${word}"`])).out).toBe('No meeting says that.');
    expect((await cli(['search', word, '--', '-budget'])).out).not.toContain(first);
    expect(await cli(['search', '&|!():*'])).toEqual({ code: 0, out: 'No meeting says that.', err: '' });
  });

  it('refuses an empty or overlong query with the reason, exit 1, and a bad --limit before searching', async () => {
    expect(await cli(['search', '  '])).toEqual({ code: 1, out: '', err: 'Not searched (QUERY_INVALID): Type the words to search for.' });
    expect(await cli(['search', 'x'.repeat(201)])).toEqual({ code: 1, out: '', err: 'Not searched (QUERY_INVALID): Search for at most 200 characters: a few words the meeting said.' });
    expect(parseCliArgs(['search'])).toEqual({ error: 'Give the words to search for: whisper-notes search <words...>.' });
    expect(parseCliArgs(['search', 'a', '--limit', '0'])).toEqual({ error: '--limit must be a whole number from 1 to 50, not "0".' });
    expect(parseCliArgs(['search', 'pricing', 'page'])).toEqual({ command: { name: 'search', words: 'pricing page', limit: 10, json: false } });
  });
});
