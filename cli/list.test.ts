import { describe, expect, it } from 'vitest';
import { NOTES, completedSession } from '../test/e2e/web-fixture.js';
import { runCliCapturing } from '../test/helpers/cli.js';
import { uploadingSession } from '../test/helpers/sessions.js';
import { useTestCore } from '../test/helpers/test-core.js';
import { statusPageUrl } from '../core/links.js';
import { parseCliArgs } from './args.js';

/** `whisper-notes list` and `rename`: the operator's view of every meeting, on the real database and an S3 server. */

const t = useTestCore();
const cli = (argv: string[]) => runCliCapturing(argv, t.core);
const userId = () => t.core.users.resolve({ platform: 'cli', workspaceId: null, externalId: 'list-cli' });

async function finished(): Promise<string> {
  const { id } = await completedSession(t.core, await userId(), { ...NOTES, title: 'Login bug triage' });
  t.created.push(id);
  return id;
}

interface Listed {
  meetings: Array<{ id: string; title: string; status: string; openTodos: number | null; durationSeconds: number | null; statusPage: string | null }>;
}

describe('whisper-notes list', () => {
  it('lists meetings newest first with title, status, open todos and the page link, as text and as JSON', async () => {
    const done = await finished();
    const waiting = await uploadingSession(t.core, await userId(), { filename: 'arriving.mp4' });
    t.created.push(waiting.id);
    const page = statusPageUrl(t.core.config.web.publicBaseUrl, done, t.core.config.web.linkSecret!);

    const { code, out } = await cli(['list', '--json', '--limit', '1000']);
    expect(code).toBe(0);
    const ours = (JSON.parse(out) as Listed).meetings.filter((m) => m.id === done || m.id === waiting.id);
    expect(ours).toMatchObject([
      { id: waiting.id, title: 'arriving.mp4', status: 'UPLOADING', openTodos: null, durationSeconds: null },
      { id: done, title: 'Login bug triage', status: 'COMPLETED', openTodos: NOTES.todos.length, statusPage: page },
    ]);

    const text = (await cli(['list', '--status', 'completed', '--limit', '1000'])).out.split('\n');
    const line = text.findIndex((l) => l.startsWith(done));
    expect(text[line]).toMatch(new RegExp(`^${done}  COMPLETED  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  \\d\\d:\\d\\d:\\d\\d  ${NOTES.todos.length} open todos  Login bug triage$`));
    expect(text[line + 1]).toBe(`    ${page}`);
    expect(text.some((l) => l.startsWith(waiting.id))).toBe(false);
  });

  it('refuses a status or a limit it does not know, before reading anything', () => {
    expect(parseCliArgs(['list', '--status', 'done'])).toEqual({ error: '--status is one of UPLOADING, PROCESSING, COMPLETED, FAILED, CANCELLED, not "done".' });
    expect(parseCliArgs(['list', '--limit', '0'])).toEqual({ error: '--limit must be a whole number from 1 to 1000, not "0".' });
    expect(parseCliArgs(['list', 'all'])).toEqual({ error: '"list" takes no argument, got 1.' });
    expect(parseCliArgs(['list'])).toEqual({ command: { name: 'list', status: null, limit: 20, json: false } });
  });
});

describe('whisper-notes rename', () => {
  it('gives the meeting a title, which list shows, and an empty one brings back the proposed title', async () => {
    const id = await finished();
    expect(await cli(['rename', id, 'Pricing', 'review'])).toEqual({ code: 0, out: `${id} is now called “Pricing review”`, err: '' });
    const listed = JSON.parse((await cli(['list', '--json', '--limit', '1000'])).out) as Listed;
    expect(listed.meetings.find((m) => m.id === id)?.title).toBe('Pricing review');
    expect((await cli(['rename', id])).out).toBe(`${id} is now called “Login bug triage”`);
  });

  it('says so for a session that does not exist', async () => {
    expect(await cli(['rename', '00000000-0000-4000-8000-000000000000', 'x'])).toEqual({ code: 1, out: '', err: 'No session 00000000-0000-4000-8000-000000000000' });
  });
});
