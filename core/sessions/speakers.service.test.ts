import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcriptFor, LINES, NOTES } from '../../test/e2e/web-fixture.js';
import { uploadingSession } from '../../test/helpers/sessions.js';
import { startTestCore, type TestCore } from '../../test/helpers/test-core.js';
import type { Core } from '../app.js';
import { speakerName } from '../domain/speaker-name.js';
import { buildDocuments } from '../domain/todos.js';
import { isAppError } from '../errors.js';
import type { TodoEvent } from '../todos/todo-events.js';

let testCore: TestCore | undefined;
let core: Core;
let userId: string;
const created: string[] = [];

beforeAll(async () => {
  testCore = await startTestCore();
  core = testCore.core;
  userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: `speakers-${Date.now()}` });
});

afterAll(async () => {
  if (!testCore) return;
  await core.knex('sessions').whereIn('id', created).delete();
  await testCore.close();
});

/** A session whose transcript (SPEAKER_00, SPEAKER_01) and todos (assigned to them) are stored. */
async function transcribedSession(): Promise<string> {
  const { id } = await uploadingSession(core, userId);
  created.push(id);
  await core.store.putJson(core.layout.transcript(id), transcriptFor(id, LINES));
  await core.store.putJson(core.layout.todos(id), buildDocuments(id, NOTES, new Date()).todos);
  return id;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (err: unknown) => (isAppError(err) ? { code: err.code, message: err.userMessage } : err),
  );

describe('naming speakers', () => {
  it('shows the name wherever the label was: the rendered todo assignee and the results', async () => {
    const id = await transcribedSession();
    expect(await core.speakers.nameSpeakers(id, { SPEAKER_00: '  Maria\u202e ', SPEAKER_01: 'Ali' }, 'operator')).toEqual({ SPEAKER_00: 'Maria', SPEAKER_01: 'Ali' });

    const results = await core.sessionService.results(id);
    expect(results.speakers).toEqual({ SPEAKER_00: 'Maria', SPEAKER_01: 'Ali' });
    expect(results.todos!.todos.map((t) => t.assignee && speakerName(t.assignee, results.speakers))).toEqual(['Maria', 'Ali', null]);
    // The stored transcript keeps its labels.
    expect(results.transcript!.segments[0]!.speaker).toBe('SPEAKER_00');
  });

  it('returns a label to "Speaker n" when its name is emptied', async () => {
    const id = await transcribedSession();
    await core.speakers.nameSpeakers(id, { SPEAKER_00: 'Maria', SPEAKER_01: 'Ali' }, null);
    expect(await core.speakers.nameSpeakers(id, { SPEAKER_01: '   ' }, null)).toEqual({ SPEAKER_00: 'Maria' });
    expect(speakerName('SPEAKER_01', await core.speakers.names(id))).toBe('Speaker 2');
  });

  it('refuses a label the transcript does not use, or a name that is too long, saving nothing', async () => {
    const id = await transcribedSession();
    expect(await refusal(core.speakers.nameSpeakers(id, { SPEAKER_00: 'Maria', SPEAKER_07: 'Ali' }, null))).toEqual({
      code: 'UNKNOWN_SPEAKER',
      message: 'This meeting has no speaker "SPEAKER_07". Its speakers are: SPEAKER_00, SPEAKER_01.',
    });
    expect(await refusal(core.speakers.nameSpeakers(id, { SPEAKER_00: 'M'.repeat(61) }, null))).toMatchObject({ code: 'SPEAKER_NAME_TOO_LONG' });
    expect(await core.speakers.names(id)).toEqual({});
  });

  it('announces the names on the todo events, for open pages and chat messages', async () => {
    const id = await transcribedSession();
    const seen: TodoEvent[] = [];
    let arrived!: () => void;
    const announced = new Promise<void>((resolve) => (arrived = resolve));
    const stop = core.todos.feed.subscribe(id, (e) => {
      seen.push(e);
      arrived();
    });
    await stop.ready;
    await core.speakers.nameSpeakers(id, { SPEAKER_01: 'Ali' }, 'operator');
    await announced;
    stop();
    expect(seen[0]).toMatchObject({ kind: 'speakers', sessionId: id, names: { SPEAKER_01: 'Ali' }, by: 'operator' });
  });
});
