import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCapturing } from '../test/helpers/cli.js';
import { startPipelineHarness, type PipelineHarness } from '../test/helpers/pipeline-harness.js';
import { DEFAULT_OPTIONS } from '../core/sessions/session.service.js';
import { holdSessions } from '../test/helpers/sessions.js';
import type { SessionJson } from './format.js';

/** `whisper-notes regenerate` and `status --version`, against the whole pipeline (a processor writes the new version). */

let h: PipelineHarness;

beforeAll(async () => {
  h = await startPipelineHarness();
});

afterAll(async () => h?.close());

const cli = (argv: string[]) => runCliCapturing(argv, h.core, 50);

async function completedSession(): Promise<string> {
  const session = await h.processingSession();
  await h.core.queue.publish('transcribe', { v: 1, sessionId: session.id, options: DEFAULT_OPTIONS });
  expect((await h.finalState(session.id)).status).toBe('COMPLETED');
  return session.id;
}

describe('whisper-notes regenerate', () => {
  it('--wait shows the rewrite, then the new version; status --version shows an earlier one', async () => {
    const id = await completedSession();
    const { code, out, err } = await cli(['regenerate', id, '--instruction', 'in German', '--model', 'gpt-4o-regen', '--wait']);
    expect(code).toBe(0);
    expect(err).toContain(`Rewriting the notes of ${id}`);
    expect(err).toContain('Rewriting the summary and todos');
    expect(out).toMatch(new RegExp(`^Notes: version 2 of 2, “in German” with gpt-4o-regen by ${os.userInfo().username}\nSummary`));
    expect(h.openai.requests.at(-1)?.chat?.model).toBe('gpt-4o-regen');

    const first = await cli(['status', id, '--version', '1']);
    expect(first.code).toBe(0);
    expect(first.out).toContain('Notes: version 1 of 2\nSummary');
    const json = JSON.parse((await cli(['status', id, '--json'])).out) as SessionJson;
    expect(json.version).toBe(2);
    expect(json.versions.map((v) => [v.version, v.instruction, v.model])).toEqual([
      [1, null, null],
      [2, 'in German', 'gpt-4o-regen'],
    ]);
    expect(await cli(['status', id, '--version', '3'])).toMatchObject({ code: 1, err: 'This meeting has no version 3 of its notes: they go from 1 to 2.' });
  });

  it('without --wait says it started; refuses a session that is still running, or unknown', async () => {
    const id = await completedSession();
    const started = await cli(['regenerate', id, '--json']);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.out)).toMatchObject({ id, status: 'PROCESSING', stage: 'todos' });
    const again = await cli(['regenerate', id]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^Not started \(NOT_COMPLETED\): /);
    expect(await cli(['regenerate', 'not-an-id'])).toEqual({ code: 1, out: '', err: 'No session not-an-id' });
    expect((await h.finalState(id)).notesVersion).toBe(2);
  });

  it('refuses while the meeting’s owner has as many recordings in progress as they may, saying so; nothing starts', async () => {
    const id = await completedSession();
    const held = await holdSessions(h.core, await h.core.users.resolve(h.user), { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null }, h.config.ingest.maxActivePerUser);
    try {
      expect(await cli(['regenerate', id, '--instruction', 'in German'])).toEqual({
        code: 1,
        out: '',
        err: `Not started (TOO_MANY_ACTIVE): ${'Whoever shared this recording already has 3 recordings in progress, as many as one person may have at once. Wait for one of them to finish, then try again.'}`,
      });
      expect(await h.core.sessions.get(id)).toMatchObject({ status: 'COMPLETED', notesVersion: 1 });
    } finally {
      await held.release();
    }
  });

  it('refuses a --version that is not a version number, before anything starts', async () => {
    expect(await cli(['status', 'x', '--version', 'two'])).toMatchObject({ code: 2, err: expect.stringContaining('--version must be a whole number of at least 1, not "two".') as string });
  });
});
