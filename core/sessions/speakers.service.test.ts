import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { transcriptFor, LINES, NOTES } from '../../test/e2e/web-fixture.js';
import { uploadingSession } from '../../test/helpers/sessions.js';
import { until } from '../../test/helpers/until.js';
import { useTestCore } from '../../test/helpers/test-core.js';
import type { Core } from '../app.js';
import { speakerName } from '../domain/speaker-name.js';
import type { ChatOrigin } from '../domain/session.js';
import { buildDocuments, type MeetingNotes } from '../domain/todos.js';
import { isAppError } from '../errors.js';
import type { TodoEvent } from '../todos/todo-events.js';

const testCore = useTestCore();
let core: Core;
let userId: string;

beforeAll(async () => {
  core = testCore.core;
  userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: `speakers-${Date.now()}` });
});


/** A session whose transcript (SPEAKER_00, SPEAKER_01) and todos (assigned to them, or `notes`') are stored. */
async function transcribedSession(origin?: ChatOrigin, notes: MeetingNotes = NOTES): Promise<string> {
  const { id } = await uploadingSession(core, userId, origin && { origin });
  testCore.created.push(id);
  await core.store.putJson(core.layout.transcript(id), transcriptFor(id, LINES));
  await core.store.putJson(core.layout.todos(id), buildDocuments(id, notes, new Date()).todos);
  return id;
}

/** A Slack channel of its own, so what is remembered there is this test's alone. */
const slackChannel = (): ChatOrigin => ({ platform: 'slack', workspaceId: 'T0ACME', channelId: `C${randomUUID().slice(0, 8).toUpperCase()}`, threadRef: null, statusMessageRef: null });
/** The notes with "Anna, can you…" owned by Anna, as a model reads it. */
const ANNA_NOTES: MeetingNotes = { ...NOTES, todos: NOTES.todos.map((t, i) => (i === 0 ? { ...t, assignee: 'Anna' } : t)) };

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

describe('linking speakers to chat members', () => {
  it('saves the profile name with the member, and a typed name later drops the link', async () => {
    const id = await transcribedSession(slackChannel());
    expect(await core.speakers.nameSpeakers(id, { SPEAKER_00: { memberId: 'U0ANNA', name: 'anna.k' }, SPEAKER_01: 'Ali' }, 'bob')).toEqual({ SPEAKER_00: 'anna.k', SPEAKER_01: 'Ali' });
    expect(await core.sessionService.results(id)).toMatchObject({ speakers: { SPEAKER_00: 'anna.k', SPEAKER_01: 'Ali' }, members: { SPEAKER_00: 'U0ANNA' } });
    await core.speakers.nameSpeakers(id, { SPEAKER_00: 'Anna' }, 'bob');
    expect(await core.speakers.members(id)).toEqual({});
  });

  it('suggests the names the meeting says, then the member each was linked to in this channel before, never applying one', async () => {
    const channel = slackChannel();
    const first = await transcribedSession(channel, ANNA_NOTES);
    expect(await core.speakers.suggestions(first)).toEqual({ mentioned: ['Anna'], remembered: [] });
    // Someone names SPEAKER_01 "Anna" (the name the meeting said), then links the member.
    await core.speakers.nameSpeakers(first, { SPEAKER_01: 'Anna' }, 'bob');
    await core.speakers.nameSpeakers(first, { SPEAKER_01: { memberId: 'U0ANNA', name: 'anna.k' } }, 'bob');

    const second = await transcribedSession(channel, ANNA_NOTES);
    expect(await core.speakers.suggestions(second)).toEqual({ mentioned: ['Anna'], remembered: [{ name: 'Anna', memberId: 'U0ANNA' }] });
    expect(await core.speakers.names(second)).toEqual({});
    // Another channel, and a session outside chat, remember nothing of it.
    expect((await core.speakers.suggestions(await transcribedSession(slackChannel(), ANNA_NOTES))).remembered).toEqual([]);
    expect(await core.speakers.suggestions(await transcribedSession(undefined, ANNA_NOTES))).toEqual({ mentioned: ['Anna'], remembered: [] });
  });

  it("follows a linked member's profile: a changed name is saved and announced once, an unchanged one is not", async () => {
    const id = await transcribedSession(slackChannel());
    await core.speakers.nameSpeakers(id, { SPEAKER_00: { memberId: 'U0ANNA', name: 'anna.k' }, SPEAKER_01: 'Ali' }, 'bob');
    const seen: TodoEvent[] = [];
    const stop = core.todos.feed.subscribe(id, (e) => seen.push(e));
    await stop.ready;
    const profiles = [
      { label: 'SPEAKER_00', memberId: 'U0ANNA', name: 'Anna Karlsson' },
      // Not linked to that member: a profile never renames someone else.
      { label: 'SPEAKER_01', memberId: 'U0ANNA', name: 'Anna Karlsson' },
    ];
    expect(await core.speakers.refreshMemberNames(id, profiles)).toEqual({ SPEAKER_00: 'Anna Karlsson', SPEAKER_01: 'Ali' });
    expect(await core.speakers.refreshMemberNames(id, profiles)).toEqual({ SPEAKER_00: 'Anna Karlsson', SPEAKER_01: 'Ali' });
    await until('the rename to be announced', async () => seen.length > 0);
    // A marker event after it: once it arrives, any second announcement would have arrived before it.
    await core.speakers.nameSpeakers(id, { SPEAKER_01: 'Ali B' }, 'bob');
    await until('the marker', async () => seen.length >= 2);
    stop();
    expect(seen.map((e) => (e.kind === 'speakers' ? e.names : null))).toEqual([
      { SPEAKER_00: 'Anna Karlsson', SPEAKER_01: 'Ali' },
      { SPEAKER_00: 'Anna Karlsson', SPEAKER_01: 'Ali B' },
    ]);
  });
});
