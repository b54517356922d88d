import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from '@plussub/srt-vtt-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliCapturing } from '../test/helpers/cli.js';
import type { Core } from '../core/app.js';
import { completedSession, LINES, NOTES } from '../test/e2e/web-fixture.js';
import { tempDir } from '../test/helpers/media.js';
import { uploadingSession } from '../test/helpers/sessions.js';
import { useTestCore } from '../test/helpers/test-core.js';
import { parseCliArgs } from './args.js';

const testCore = useTestCore();
let core: Core;
let userId: string;

beforeAll(async () => {
  core = testCore.core;
  userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: 'export-cli' });
});


/** A session as an upload leaves it, or (`finished`) completed with its notes stored. */
async function meeting(finished: boolean): Promise<string> {
  const { id } = finished ? await completedSession(core, userId) : await uploadingSession(core, userId);
  testCore.created.push(id);
  return id;
}

const cli = (argv: string[]) => runCliCapturing(argv, core);

describe('whisper-notes export', () => {
  it('prints the Markdown notes by default, todos included, timestamps linking to the page', async () => {
    const id = await meeting(true);
    const { code, out, err } = await cli(['export', id]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toMatch(/^# weekly-sync\.mp4\n/);
    for (const todo of NOTES.todos) expect(out).toContain(`- [ ] ${todo.task} (${todo.priority}`);
    expect(out).toContain(`/s/${id}?t=`);
  });

  it('prints subtitles a parser reads, and writes any format to the file given with -o', async () => {
    const id = await meeting(true);
    const srt = await cli(['export', id, '--format', 'srt']);
    expect(srt.code).toBe(0);
    expect((parse(srt.out) as { entries: Array<{ from: number }> }).entries.map((e) => e.from)).toEqual(LINES.map(([, start]) => start * 1000));

    const dir = await tempDir('wn-export-');
    try {
      const file = path.join(dir.dir, 'notes.json');
      expect(await cli(['export', id, '--format', 'json', '-o', file])).toEqual({ code: 0, out: '', err: `Wrote ${file}` });
      const written = JSON.parse(await readFile(file, 'utf8')) as { session: { id: string }; transcript: { segments: unknown[] } };
      expect(written.session.id).toBe(id);
      expect(written.transcript.segments).toHaveLength(LINES.length);
    } finally {
      await dir.cleanup();
    }
  });

  it('says why a meeting without a transcript cannot be exported, exit 1, and writes no file', async () => {
    const id = await meeting(false);
    expect(await cli(['export', id, '--format', 'vtt'])).toEqual({
      code: 1,
      out: '',
      err: 'Not exported (TRANSCRIPT_NOT_READY): This meeting has no transcript yet: the recording is still arriving. Export it once its notes are ready.',
    });
    expect(await cli(['export', 'not-an-id'])).toEqual({ code: 1, out: '', err: 'No session not-an-id' });
  });

  it('reads --format and -o, and refuses a format it does not write before anything starts', () => {
    expect(parseCliArgs(['export', 'abc', '--format', 'vtt', '-o', 'x.vtt'])).toEqual({ command: { name: 'export', id: 'abc', format: 'vtt', output: 'x.vtt' } });
    expect(parseCliArgs(['export', 'abc'])).toEqual({ command: { name: 'export', id: 'abc', format: 'md', output: null } });
    expect(parseCliArgs(['export', 'abc', '--format', 'pdf'])).toEqual({ error: '--format "pdf" is not one we write: use md, txt, srt, vtt, json.' });
  });
});
