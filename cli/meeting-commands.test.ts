import { beforeAll, describe, expect, it } from 'vitest';
import { runCliCapturing } from '../test/helpers/cli.js';
import type { Core } from '../core/app.js';
import { NOTES, completedSession as storedSession } from '../test/e2e/web-fixture.js';
import { useTestCore } from '../test/helpers/test-core.js';
import os from 'node:os';
import { todosDocumentSchema } from '../core/domain/todos.js';

const testCore = useTestCore();
let core: Core;

beforeAll(async () => {
  core = testCore.core;
});


/** The CLI's commands on a finished meeting: naming speakers and changing todos. */
async function completedSession(): Promise<string> {
  const userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: 'meeting-cli' });
  const { id } = await storedSession(core, userId, { ...NOTES, decisions: ['SPEAKER_01 owns the login fix'] });
  testCore.created.push(id);
  return id;
}

const cli = (argv: string[]) => runCliCapturing(argv, core);

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

describe('whisper-notes todo', () => {
  const me = os.userInfo().username;
  const stored = async (id: string) => todosDocumentSchema.parse(await core.store.getJson(core.layout.todos(id))).todos;

  it('edits the fields it is given, as the CLI user, an owner typed as a speaker is shown stored as the label', async () => {
    const id = await completedSession();
    await cli(['speakers', id, 'SPEAKER_00=Maria']);
    const { code, out, err } = await cli(['todo', id, 'edit', '2', '--text', 'Fix the login bug on mobile', '--owner', 'Maria', '--priority', 'high']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe(`  [ ] #2 Fix the login bug on mobile\n      high · Maria · 00:00:02 · edited by ${me}\n      Reported twice this week`);
    expect((await stored(id))[1]).toMatchObject({ task: 'Fix the login bug on mobile', assignee: 'SPEAKER_00', priority: 'high', edited_by: me });
    // An empty owner clears it; `status` lists the todos with the ids these commands take.
    expect((await cli(['todo', id, 'edit', '2', '--owner', ''])).code).toBe(0);
    expect((await stored(id))[1]!.assignee).toBeNull();
    expect((await cli(['status', id])).out).toContain('  [ ] #2 Fix the login bug on mobile\n      high · 00:00:02 · edited by');
  });

  it('adds a todo from the words after `add`, removes one, and prints who did what in `history`', async () => {
    const id = await completedSession();
    const added = await cli(['todo', id, 'add', 'Send', 'the', 'minutes', '--due', 'Friday', '--owner', 'Speaker 2']);
    expect(added.code).toBe(0);
    expect(added.out).toMatch(new RegExp(`^  \\[ \\] #4 Send the minutes\\n      medium · Speaker 2 · due [^\\n]+ \\(Friday\\) · added by ${me}$`));
    expect((await stored(id))[3]).toMatchObject({ id: '4', task: 'Send the minutes', assignee: 'SPEAKER_01', due: 'Friday', added_by: me });
    expect(await cli(['todo', id, 'remove', '1'])).toEqual({ code: 0, out: `Removed todo #1; \`todo ${id} history\` keeps it.`, err: '' });
    expect((await stored(id)).map((t) => t.id)).toEqual(['2', '3', '4']);
    await core.todos.service.setCompleted(id, '3', true, 'ana');

    const history = await cli(['todo', id, 'history']);
    expect(history.code).toBe(0);
    const lines = history.out.split('\n').map((l) => l.replace(/^\S+Z {2}/, ''));
    expect(lines).toEqual([`${me}  added #4 “Send the minutes”`, `${me}  removed #1 “Write the release notes”`, 'ana  ticked #3 “Book the retro room”']);
    expect(history.out).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z {2}/);
    await cli(['todo', id, 'edit', '4', '--text', 'Send the notes', '--owner', 'Speaker 1']);
    expect((await cli(['todo', id, 'history'])).out.split('\n').at(-1)).toMatch(new RegExp(`Z {2}${me} {2}edited #4: text “Send the minutes” → “Send the notes”, owner Speaker 2 → Speaker 1$`));
    const json = JSON.parse((await cli(['todo', id, 'history', '--json'])).out) as { id: string; changes: Array<{ kind: string; todoId: string; by: string }> };
    expect(json.changes.map((c) => [c.kind, c.todoId, c.by])).toEqual([['add', '4', me], ['remove', '1', me], ['tick', '3', 'ana'], ['edit', '4', me]]);
  });

  it('says why nothing changed, exit 1: an unknown todo or session, an empty text', async () => {
    const id = await completedSession();
    expect(await cli(['todo', id, 'remove', '9'])).toEqual({ code: 1, out: '', err: 'Not changed (TODO_NOT_FOUND): That todo is not on this meeting’s list.' });
    expect(await cli(['todo', id, 'edit', '1', '--text', ' '])).toEqual({ code: 1, out: '', err: 'Not changed (TODO_INVALID): A todo needs some text.' });
    expect(await cli(['todo', '6f1c2a9e-5b7d-4c3e-9a8f-0e1d2c3b4a59', 'history'])).toEqual({ code: 1, out: '', err: 'No session 6f1c2a9e-5b7d-4c3e-9a8f-0e1d2c3b4a59' });
    expect((await stored(id)).map((t) => t.task)).toEqual(NOTES.todos.map((t) => t.task));
  });
});
