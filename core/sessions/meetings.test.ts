import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NOTES, SEGMENTS, transcriptOf } from '../../test/helpers/meeting-export.js';
import { storeNotes, uploadingSession } from '../../test/helpers/sessions.js';
import { useTestCore } from '../../test/helpers/test-core.js';
import { until } from '../../test/helpers/until.js';
import type { ChatOrigin } from '../domain/session.js';
import { refPath } from '../domain/storage-layout.js';
import type { TodoEvent } from '../todos/todo-events.js';
import { AUTHORIZED } from './session.service.js';

/** Lists of meetings and their titles (docs/architecture.md#coming-back-to-a-meeting), on the real database and an S3 server. */

const t = useTestCore();
const workspace = `list-${randomUUID()}`;
const here: ChatOrigin = { platform: 'slack', workspaceId: workspace, channelId: 'C-here', threadRef: null, statusMessageRef: null };
const person = (externalId: string) => ({ platform: 'slack', workspaceId: workspace, externalId });

async function meeting(externalId: string, origin: ChatOrigin, filename: string) {
  const s = await uploadingSession(t.core, await t.core.users.resolve(person(externalId)), { filename, origin });
  t.created.push(s.id);
  return s;
}

/** Completed with the shared notes (2 todos), one of them ticked, and the title the notes proposed. */
async function completed(externalId: string, origin: ChatOrigin, filename: string) {
  const s = await meeting(externalId, origin, filename);
  await storeNotes(t.core, s.id, { ...NOTES, title: 'Launch planning' }, transcriptOf(SEGMENTS));
  await t.core.todos.service.setCompleted(s.id, '1', true, 'Ana');
  return t.core.sessions.transition(s.id, ['UPLOADING'], {
    status: 'COMPLETED',
    stage: 'done',
    transcriptPath: refPath(t.core.layout.transcript(s.id)),
  });
}

describe('listing meetings', () => {
  it("lists a person's and their channel's meetings with title, length and open todos, not other channels' meetings", async () => {
    const mine = await meeting('ann', { ...here, channelId: 'C-elsewhere' }, 'mine.mp4');
    const theirs = (await completed('bob', here, 'theirs.mp4'))!;
    const unrelated = await meeting('bob', { ...here, channelId: 'C-elsewhere' }, 'unrelated.mp4');

    const entries = await t.core.sessionService.listMeetings({ user: person('ann'), channel: { platform: 'slack', workspaceId: workspace, channelId: 'C-here' }, limit: 10 });
    expect(entries.map((e) => e.session.id)).toEqual([theirs.id, mine.id]);
    expect(entries.map((e) => e.session.id)).not.toContain(unrelated.id);
    // No length measured for this row: the transcript's is shown.
    expect(entries[0]).toMatchObject({ title: 'Launch planning', openTodos: NOTES.todos.length - 1, durationSeconds: transcriptOf(SEGMENTS).duration });
    expect(entries[1]).toMatchObject({ title: 'mine.mp4', openTodos: null, durationSeconds: null });
  });

  it('lists every meeting in a status for the operator', async () => {
    const done = (await completed('cat', here, 'done.mp4'))!;
    const entries = await t.core.sessionService.listMeetings({ status: 'COMPLETED', limit: 1000 });
    expect(entries.map((e) => e.session.id)).toContain(done.id);
    expect(entries.every((e) => e.session.status === 'COMPLETED')).toBe(true);
  });
});

describe('renaming a meeting', () => {
  it('shows the title a person gave, cleaned and cut to 150 characters, and the proposed one again once cleared', async () => {
    const s = (await completed('dan', here, 'rename.mp4'))!;
    const renamed = await t.core.sessionService.rename(s.id, '  Pricing\u202e review\n2027 ', AUTHORIZED, 'dan');
    expect(renamed).toMatchObject({ outcome: 'renamed', title: 'Pricing review 2027' });
    const [entry] = await t.core.sessionService.listMeetings({ user: person('dan'), limit: 1 });
    expect(entry?.title).toBe('Pricing review 2027');

    const long = await t.core.sessionService.rename(s.id, 'x'.repeat(400), AUTHORIZED, 'dan');
    expect(long.outcome === 'renamed' && Array.from(long.title)).toHaveLength(150);

    expect(await t.core.sessionService.rename(s.id, '  ', AUTHORIZED, 'dan')).toMatchObject({ outcome: 'renamed', title: 'Launch planning' });
    expect((await t.core.sessionService.get(s.id))?.title).toBeNull();
  });

  it('refuses whoever the rule refuses, and an unknown meeting, changing nothing', async () => {
    const s = await meeting('eve', here, 'kept.mp4');
    expect(await t.core.sessionService.rename(s.id, 'Nope', () => Promise.resolve(false), 'eve')).toMatchObject({ outcome: 'forbidden' });
    expect((await t.core.sessionService.get(s.id))?.title).toBeNull();
    expect(await t.core.sessionService.rename(randomUUID(), 'Nope', AUTHORIZED, 'eve')).toEqual({ outcome: 'not-found' });
  });

  it('announces the title now shown on the todo events, for open pages: the new one, then the proposed one once cleared; a refusal announces nothing', async () => {
    const s = (await completed('fay', here, 'announce.mp4'))!;
    const seen: TodoEvent[] = [];
    const stop = t.core.todos.feed.subscribe(s.id, (e) => seen.push(e));
    await stop.ready;
    await t.core.sessionService.rename(s.id, 'Nope', () => Promise.resolve(false), 'eve');
    await t.core.sessionService.rename(s.id, ' Pricing\nreview ', AUTHORIZED, 'fay');
    await t.core.sessionService.rename(s.id, '', AUTHORIZED, null);
    // Both announcements arrive in order on the session's channel; the refused rename, asked first, would be before them.
    await until('the two titles', async () => seen.length >= 2);
    stop();
    expect(seen).toMatchObject([
      { kind: 'title', sessionId: s.id, title: 'Pricing review', by: 'fay' },
      { kind: 'title', sessionId: s.id, title: 'Launch planning', by: null },
    ]);
  });
});

describe('searching meetings', () => {
  it("names each hit's meeting by its title: the one given, else the one its notes proposed, else the recording's name", async () => {
    const proposed = (await completed('fay', here, 'proposed.mp4'))!;
    const given = (await completed('fay', here, 'given.mp4'))!;
    await t.core.sessionService.rename(given.id, 'Release sync', AUTHORIZED, 'fay');
    const untitled = await meeting('fay', here, 'untitled.mp4');
    await storeNotes(t.core, untitled.id, { ...NOTES, title: null }, transcriptOf(SEGMENTS));

    // Each says it twice: the line of the transcript and the todo citing it.
    const hits = await t.core.sessionService.search('"book the room"', { kind: 'sessions', ids: [proposed.id, given.id, untitled.id] });
    expect(hits).toHaveLength(6);
    expect(new Map(hits.map((h) => [h.session.id, h.title]))).toEqual(
      new Map([
        [proposed.id, 'Launch planning'],
        [given.id, 'Release sync'],
        [untitled.id, 'untitled.mp4'],
      ]),
    );
  });
});
