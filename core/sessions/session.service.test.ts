import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCore, type TestCore } from '../../test/helpers/test-core.js';
import type { Core } from '../app.js';
import type { ChatUser } from '../domain/chat-user.js';
import { stageLabel } from '../domain/progress-text.js';
import type { ChatOrigin } from '../domain/session.js';
import { AppError, isAppError } from '../errors.js';
import { AUTHORIZED, type StartSession } from './session.service.js';
import { TooManyActiveError } from './too-many-active.js';
import { holdSessions, sessionsOf, uploadingSession } from '../../test/helpers/sessions.js';

const LIMIT = 3;
const workspace = `limit-${randomUUID()}`;
const origin: ChatOrigin = { platform: 'slack', workspaceId: workspace, channelId: 'C1', threadRef: null, statusMessageRef: null };
const person = (externalId: string): ChatUser => ({ platform: 'slack', workspaceId: workspace, externalId });

let testCore: TestCore | undefined;
let core: Core;

beforeAll(async () => {
  testCore = await startTestCore({ MAX_ACTIVE_SESSIONS_PER_USER: String(LIMIT) });
  core = testCore.core;
});

afterAll(async () => {
  if (testCore) {
    // Cancelling aborts the uploads still waiting for bytes; then the rows go.
    const rows = await core.knex('sessions').where({ workspace_id: workspace }).select<Array<{ id: string }>>('id');
    for (const { id } of rows) await core.sessionService.cancel(id, person('admin'), true);
    await core.knex('sessions').where({ workspace_id: workspace }).delete();
    await core.knex('users').where({ workspace_id: workspace }).delete();
    await testCore.close();
  }
});

/** A start whose upload waits for bytes that never come: the session stays UPLOADING, active. */
const upload = (user: ChatUser, filename = 'standup.mp4'): StartSession => ({
  user,
  origin,
  source: { kind: 'stream', body: new PassThrough(), filename },
});

const activeOf = async (user: ChatUser) =>
  (await sessionsOf(core, user, 100)).filter((s) => s.status === 'UPLOADING' || s.status === 'PROCESSING');

describe('sessions one person may have in progress at once', () => {
  const alice = person('alice');

  it('ten simultaneous starts by one person: exactly the limit start, the rest are refused with what to do', async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => core.sessionService.start(upload(alice))));

    const started = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(started).toHaveLength(LIMIT);
    expect(refused).toHaveLength(10 - LIMIT);
    for (const err of refused) {
      expect(err).toBeInstanceOf(TooManyActiveError);
      expect(err).toMatchObject({ code: 'TOO_MANY_ACTIVE', active: LIMIT });
      // No command of any way in: each adds its own (the chat tests assert theirs).
      expect(isAppError(err) && err.userMessage).toBe(
        `You already have ${LIMIT} recordings in progress, as many as one person may have at once. Wait for one to finish, then try again.`,
      );
    }
    // Nothing was created for the refused ones.
    expect(await sessionsOf(core, alice, 100)).toHaveLength(LIMIT);
  });

  it('holds back no one else: another person starts while the first is at the limit', async () => {
    const bob = person('bob');
    const { session } = await core.sessionService.start(upload(bob));
    expect(session.status).toBe('UPLOADING');
    await expect(core.sessionService.start(upload(alice))).rejects.toMatchObject({ code: 'TOO_MANY_ACTIVE' });
  });

  it('a session that ends makes room for the next one, and only one', async () => {
    const [first] = await activeOf(alice);
    expect((await core.sessionService.cancel(first!.id, alice, false)).outcome).toBe('cancelled');

    const outcomes = await Promise.allSettled([core.sessionService.start(upload(alice)), core.sessionService.start(upload(alice))]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await activeOf(alice)).toHaveLength(LIMIT);
  });

  it('records the name it was given cleaned: base name only, nothing invisible, bounded', async () => {
    const { session } = await core.sessionService.start(upload(person('carol'), `../../etc/\u202Epasswd\u0000${'x'.repeat(5000)}.mp4`));
    expect(session.filename).toMatch(/^passwdx+…\.mp4$/);
    expect((await core.sessionService.get(session.id))?.filename).toBe(session.filename);
  });
});

describe('retries and regenerations count against the owner’s limit', () => {
  const frank = person('frank');
  const queued = async () => ({ transcribe: await core.queue.depth('transcribe'), todos: await core.queue.depth('todos') });

  /** A FAILED session with its recording stored (a retry starts it from there) and a COMPLETED one with its transcript. */
  async function finishedSessions(userId: string) {
    const failed = await uploadingSession(core, userId, { origin });
    await core.sessions.update(failed.id, { status: 'FAILED', stage: 'transcribe', videoPath: `video-files/${failed.id}/original.mp4`, errorCode: 'LLM_UNAVAILABLE', errorMessage: 'down' });
    await core.progress.fail(failed.id, 'transcribe', new AppError('LLM_UNAVAILABLE', 'down'));
    const completed = await uploadingSession(core, userId, { origin });
    await core.sessions.update(completed.id, { status: 'COMPLETED', stage: 'done', percent: 100 });
    await core.store.putJson(core.layout.transcript(completed.id), { segments: [] });
    await core.progress.report(completed.id, 'COMPLETED', 'done', 1, 'Done');
    return { failed, completed };
  }

  it('at the limit refuses both with the sentence, changing no row, queueing nothing and reporting nothing; below it both start', async () => {
    const userId = await core.users.resolve(frank);
    const { failed, completed } = await finishedSessions(userId);
    const held = await holdSessions(core, userId, origin, LIMIT);
    const rows = () => Promise.all([core.sessions.get(failed.id), core.sessions.get(completed.id)]);
    const latest = () => Promise.all([core.bus.latest(failed.id), core.bus.latest(completed.id)]);
    const before = { rows: await rows(), latest: await latest(), queued: await queued() };

    const retried = await core.sessionService.retry(failed.id, AUTHORIZED);
    expect(retried).toMatchObject({ outcome: 'too-many-active', session: { id: failed.id }, error: { code: 'TOO_MANY_ACTIVE', active: LIMIT } });
    expect(retried.outcome === 'too-many-active' && retried.error.userMessage).toBe(
      `Whoever shared this recording already has ${LIMIT} recordings in progress, as many as one person may have at once. Wait for one of them to finish, then try again.`,
    );
    const regenerating = core.notes.regenerate(completed.id, { instruction: 'in German' }, 'Maria');
    await expect(regenerating).rejects.toBeInstanceOf(TooManyActiveError);
    await expect(regenerating).rejects.toMatchObject({ code: 'TOO_MANY_ACTIVE', active: LIMIT });
    expect({ rows: await rows(), latest: await latest(), queued: await queued() }).toEqual(before);

    // One place left below the limit after each: both start, the last taking the last place.
    await held.release();
    await holdSessions(core, userId, origin, LIMIT - 2);
    expect(await core.sessionService.retry(failed.id, AUTHORIZED)).toMatchObject({ outcome: 'retried', resumesFrom: 'transcribe', session: { status: 'PROCESSING' } });
    expect(await core.notes.regenerate(completed.id, {}, 'Maria')).toMatchObject({ status: 'PROCESSING', stage: 'todos' });
    expect(await queued()).toEqual({ transcribe: before.queued.transcribe + 1, todos: before.queued.todos + 1 });
    expect(await activeOf(frank)).toHaveLength(LIMIT);
  });
});

describe('who may cancel and delete a session', () => {
  const owner = person('dana');
  const stranger = person('erin');

  it('only its owner or an admin: a stranger is refused and the session and what it stored stay', async () => {
    const { session } = await core.sessionService.start(upload(owner));
    const stored = core.layout.transcript(session.id);
    await core.store.putJson(stored, { segments: [] });

    expect(await core.sessionService.cancel(session.id, stranger, false)).toMatchObject({ outcome: 'forbidden' });
    expect(await core.sessionService.delete(session.id, stranger, false)).toMatchObject({ outcome: 'forbidden' });
    expect((await core.sessionService.get(session.id))?.status).toBe('UPLOADING');
    expect(await core.store.getJson(stored)).toEqual({ segments: [] });

    expect(await core.sessionService.cancel(session.id, owner, false)).toMatchObject({ outcome: 'cancelled' });
    expect(await core.sessionService.delete(session.id, owner, false)).toMatchObject({ outcome: 'deleted' });
    expect(await core.sessionService.get(session.id)).toBeNull();
    expect(await core.store.getJson(stored)).toBeNull();
    expect(await core.sessionService.delete(session.id, owner, false)).toEqual({ outcome: 'not-found' });
  });

  it('an admin deletes anyone’s session', async () => {
    const { session } = await core.sessionService.start(upload(owner));
    await core.sessionService.cancel(session.id, owner, false);
    expect(await core.sessionService.delete(session.id, person('admin'), true)).toMatchObject({ outcome: 'deleted' });
    expect(await core.sessionService.get(session.id)).toBeNull();
  });
});

describe('a recording shared as a link', () => {
  it('is said to be downloading, not uploading, while it comes in', async () => {
    // The link answers with the start of a file, then waits: the session stays in its first stage.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '1000000' });
      res.write(Buffer.alloc(1000));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const dana = person('dana');
    try {
      const { session, uploaded } = await core.sessionService.start({ user: dana, origin, source: { kind: 'link', url: `http://127.0.0.1:${port}/standup.mp4` } });
      const latest = await core.bus.latest(session.id);
      expect(latest).toMatchObject({ status: 'UPLOADING', stage: 'upload' });
      expect(latest!.message).toMatch(/^(Fetching the recording from its link|Downloaded 1 kB of )/);
      expect(stageLabel(latest!.stage, session.sourceKind)).toBe('Downloading');
      expect(stageLabel('upload', 'upload')).toBe('Uploading');
      await core.sessionService.cancel(session.id, dana, false);
      await uploaded;
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
