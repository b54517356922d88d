import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../core/app.js';
import { refPath } from '../core/domain/storage-layout.js';
import { LINES, NOTES, transcriptFor } from '../test/e2e/web-fixture.js';
import { storeNotes, uploadingSession } from '../test/helpers/sessions.js';
import { startTestCore, type TestCore } from '../test/helpers/test-core.js';
import { runCli } from './cli.js';

let testCore: TestCore | undefined;
let core: Core;
const created: string[] = [];

beforeAll(async () => {
  testCore = await startTestCore();
  core = testCore.core;
});

afterAll(async () => {
  if (!testCore) return;
  await core.knex('sessions').whereIn('id', created).delete();
  await testCore.close();
});

async function completedSession(): Promise<string> {
  const userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: 'speakers-cli' });
  const { id } = await uploadingSession(core, userId);
  created.push(id);
  await storeNotes(core, id, { ...NOTES, decisions: ['SPEAKER_01 owns the login fix'] }, transcriptFor(id, LINES));
  await core.sessions.transition(id, ['UPLOADING'], { status: 'COMPLETED', stage: 'done', percent: 100, transcriptPath: refPath(core.layout.transcript(id)) });
  return id;
}

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, core, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('whisper-notes speakers', () => {
  it('names a speaker, and `status --transcript` shows the name in the transcript, the todos and the summary', async () => {
    const id = await completedSession();
    expect(await cli(['speakers', id, 'SPEAKER_01=Maria'])).toEqual({ code: 0, out: 'SPEAKER_00   Speaker 1 (unnamed)\nSPEAKER_01   Maria', err: '' });

    const { code, out } = await cli(['status', id, '--transcript']);
    expect(code).toBe(0);
    expect(out).toContain('[00:00:02] Maria: Sure. I will also fix the login bug.');
    expect(out).toContain('      medium · Maria · 00:00:02');
    expect(out).toContain('  - Maria owns the login fix');
    expect(out).toContain('[00:00:00] Speaker 1: Anna');
  });

  it('lists the names alone, clears one with an empty name, and gives them in --json', async () => {
    const id = await completedSession();
    await cli(['speakers', id, 'SPEAKER_00=Ali', 'SPEAKER_01=Maria']);
    expect((await cli(['speakers', id, 'SPEAKER_00='])).out).toBe('SPEAKER_00   Speaker 1 (unnamed)\nSPEAKER_01   Maria');
    expect(JSON.parse((await cli(['speakers', id, '--json'])).out)).toEqual({ id, speakers: { SPEAKER_01: 'Maria' } });
    expect(JSON.parse((await cli(['status', id, '--json'])).out)).toMatchObject({ speakers: { SPEAKER_01: 'Maria' } });
  });

  it('refuses a label the meeting does not have, naming the ones it has', async () => {
    const id = await completedSession();
    expect(await cli(['speakers', id, 'SPEAKER_09=Maria'])).toEqual({
      code: 1,
      out: '',
      err: 'Not named (UNKNOWN_SPEAKER): This meeting has no speaker "SPEAKER_09". Its speakers are: SPEAKER_00, SPEAKER_01.',
    });
  });
});
