import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createKnex } from '../core/db/knex.js';
import { SessionsRepository } from '../core/db/sessions.repository.js';
import { UsersRepository } from '../core/db/users.repository.js';
import type { ProgressEvent } from '../core/domain/progress.js';
import type { Session } from '../core/domain/session.js';
import { buildDocuments } from '../core/domain/todos.js';
import { createLogger } from '../core/logger.js';
import { RedisProgressBus } from '../core/progress/redis.progress-bus.js';
import { DEFAULT_OPTIONS } from '../core/sessions/session.service.js';
import { testConfig } from '../test/helpers/config.js';
import type { ChatPlatform, ResultsView, StatusView } from './chat-platform.js';
import { ThreadNotifier } from './thread-notifier.js';
import { removeKeys } from '../test/helpers/cleanup.js';

const config = testConfig();
const log = createLogger('silent');
const knex = createKnex(config.databaseUrl);
const sessions = new SessionsRepository(knex);
const users = new UsersRepository(knex);
const bus = new RedisProgressBus(config.redis, log);
const redis = new Redis(config.redis.url);

afterAll(async () => {
  await removeKeys(config, redis);
  redis.disconnect();
  await bus.close();
  await knex.destroy();
});

/** Records what the bot would show; `failPosts` makes the next result posts fail like a Slack outage. */
class RecordingPlatform implements ChatPlatform {
  readonly platform = 'slack' as const;
  edits: StatusView[] = [];
  posts: ResultsView[] = [];
  updates: ResultsView[] = [];
  failPosts = 0;
  async updateStatus(_s: Session, view: StatusView) {
    await new Promise((r) => setTimeout(r, 5)); // an edit takes a moment, so events pile up meanwhile
    this.edits.push(view);
  }
  async postResults(_s: Session, view: ResultsView) {
    if (this.failPosts-- > 0) throw new Error('slack is down');
    this.posts.push(view);
    return ['C1:1700000000.000200'];
  }
  /** What an update answers: the messages holding the results (one more when the list outgrew them). */
  refs = ['C1:1700000000.000200'];
  async updateResults(_s: Session, view: ResultsView) {
    this.updates.push(view);
    return this.refs;
  }
  async memberName() {
    return null; // no speaker is linked in these sessions
  }
}

async function slackSession(): Promise<Session> {
  const userId = await users.resolve({ platform: 'slack', workspaceId: 'T1', externalId: 'U1' });
  return sessions.create({
    id: randomUUID(),
    userId,
    filename: 'standup.mp4',
    origin: { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadRef: '1700000000.000100', statusMessageRef: 'C1:1700000000.000100' },
    sourceKind: 'upload',
    options: DEFAULT_OPTIONS,
  });
}

/** Stands in for the stored documents; `ticked` plays a todo ticked since the results were posted, `edited` one edited, `regenerated` new notes. */
const ticked = new Set<string>();
const edited = new Set<string>();
const regenerated = new Set<string>();
const notes = (id: string) => {
  const docs = buildDocuments(id, { summary: 'Standup', keyPoints: [], decisions: [], estimatedTime: null, todos: [
    { task: 'Book the venue', priority: 'high', context: '', assignee: null, due: null, segments: [0], timestamp: '00:00:00' },
  ] }, new Date());
  docs.todos.todos[0]!.completed = ticked.has(id);
  if (edited.has(id)) docs.todos.todos[0]!.task = 'Book the venue for 40';
  return docs;
};

function notifier(platform: ChatPlatform) {
  return new ThreadNotifier({
    platforms: [platform],
    sessions,
    bus,
    results: async (id) => ({ transcript: null, speakers: {}, members: {}, version: regenerated.has(id) ? 2 : 1, versions: [], ...notes(id) }),
    // Without a transcript there is no "Who spoke?" message, and no linked member to follow.
    speakers: { suggestions: () => Promise.reject(new Error('not asked')), refreshMemberNames: () => Promise.reject(new Error('not asked')) },
    linkFor: (id) => `http://localhost:8080/s/${id}?t=token`,
    log,
    minIntervalMs: 100,
  });
}

async function publish(sessionId: string, i: number, final = false): Promise<ProgressEvent> {
  return bus.publish({
    sessionId,
    status: final ? 'COMPLETED' : 'PROCESSING',
    stage: final ? 'done' : 'transcribe',
    percent: final ? 100 : 20 + i,
    message: final ? 'Done' : `step ${i}`,
  });
}

describe('thread notifier', () => {
  it('coalesces a burst into a few edits, ends on the final state and posts the results once', async () => {
    const session = await slackSession();
    const platform = new RecordingPlatform();
    const n = notifier(platform);
    const handled: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) handled.push(n.handle(await publish(session.id, i)));
    await sessions.update(session.id, { status: 'COMPLETED' });
    handled.push(n.handle(await publish(session.id, 0, true)));
    await Promise.all(handled);

    expect(platform.edits.length).toBeGreaterThanOrEqual(2);
    expect(platform.edits.length).toBeLessThan(8);
    const percents = platform.edits.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(platform.edits.at(-1)).toMatchObject({ status: 'COMPLETED', percent: 100, link: expect.stringContaining(session.id) as unknown });
    expect(platform.posts).toHaveLength(1);
    expect((await sessions.get(session.id))?.resultsMessageRefs).toEqual(['C1:1700000000.000200']);

    // A redelivered final event (a restarted replica) edits again but never posts twice.
    await n.handle(await bus.latest(session.id).then((e) => e!));
    expect(platform.posts).toHaveLength(1);
  });

  it('lets two replicas share one stream without moving a message backwards or posting twice', async () => {
    const session = await slackSession();
    const platform = new RecordingPlatform();
    const [a, b] = [notifier(platform), notifier(platform)];
    const handled: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const e = await publish(session.id, i);
      handled.push((i % 2 ? a : b).handle(e));
    }
    await sessions.update(session.id, { status: 'COMPLETED' });
    const final = await publish(session.id, 0, true);
    handled.push(a.handle(final), b.handle(final));
    await Promise.all(handled);
    expect(platform.edits.at(-1)?.status).toBe('COMPLETED');
    expect(platform.posts).toHaveLength(1);
  });

  it('retries posting the results when the platform failed, and re-renders them once when a todo changes', async () => {
    const session = await slackSession();
    const platform = new RecordingPlatform();
    platform.failPosts = 1;
    const n = notifier(platform);
    await sessions.update(session.id, { status: 'COMPLETED' });
    const final = await publish(session.id, 0, true);
    await expect(n.handle(final)).rejects.toThrow('slack is down');
    expect((await sessions.get(session.id))?.resultsMessageRefs).toEqual([]);
    await n.handle(final); // the stream redelivers the unacknowledged entry
    expect(platform.posts).toHaveLength(1);

    await n.todosChanged(session.id); // nothing changed since the post: nothing to re-render
    expect(platform.updates).toHaveLength(0);
    ticked.add(session.id);
    await n.todosChanged(session.id);
    await n.todosChanged(session.id); // the same tick announced twice (chat handler and todo event)
    expect(platform.updates).toHaveLength(1);
    expect(platform.updates[0]!.todos.todos[0]).toMatchObject({ task: 'Book the venue', completed: true });
  });

  it('edits the posted results when the notes were regenerated, ticks unchanged, and posts nothing when the session completes again', async () => {
    const session = await slackSession();
    const platform = new RecordingPlatform();
    const n = notifier(platform);
    await sessions.update(session.id, { status: 'COMPLETED' });
    await n.handle(await publish(session.id, 0, true));
    expect(platform.posts).toHaveLength(1);

    regenerated.add(session.id);
    await n.handle(await publish(session.id, 1, true)); // COMPLETED again, after the rewrite
    await n.todosChanged(session.id); // the `notes` todo event
    expect(platform.posts).toHaveLength(1);
    expect(platform.updates.map((u) => u.version)).toEqual([2]);
  });

  it('edits nothing for a rename, which the results do not show, even on a replica that has not rendered them', async () => {
    const session = await slackSession();
    const platform = new RecordingPlatform();
    await sessions.update(session.id, { status: 'COMPLETED' });
    await notifier(platform).handle(await publish(session.id, 0, true));

    const replica = notifier(platform);
    const at = new Date().toISOString();
    await replica.todoEvent({ kind: 'title', sessionId: session.id, title: 'Venue planning', by: 'ana', at });
    expect(platform.updates).toHaveLength(0);
    ticked.add(session.id);
    await replica.todoEvent({ sessionId: session.id, todoId: '1', completed: true, by: 'ana', at });
    expect(platform.updates.map((u) => u.todos.todos[0]!.completed)).toEqual([true]);
  });

  it('re-renders a todo edited (not only ticked), and keeps the refs of the messages the results now take', async () => {
    const session = await slackSession();
    const platform = new RecordingPlatform();
    const n = notifier(platform);
    await sessions.update(session.id, { status: 'COMPLETED' });
    await n.handle(await publish(session.id, 0, true));

    edited.add(session.id);
    platform.refs = ['C1:1700000000.000200', 'C1:1700000000.000300'];
    await n.todosChanged(session.id);
    expect(platform.updates.map((v) => v.todos.todos[0]!.task)).toEqual(['Book the venue for 40']);
    expect((await sessions.get(session.id))?.resultsMessageRefs).toEqual(platform.refs);
  });

  it('ignores sessions of other platforms and sessions that were deleted', async () => {
    const platform = new RecordingPlatform();
    const n = notifier(platform);
    await n.handle(await publish(randomUUID(), 1));
    const userId = await users.resolve({ platform: 'cli', workspaceId: null, externalId: 'me' });
    const cli = await sessions.create({
      id: randomUUID(), userId, filename: null, sourceKind: 'upload', options: DEFAULT_OPTIONS,
      origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
    });
    await n.handle(await publish(cli.id, 1));
    expect(platform.edits).toHaveLength(0);
  });
});
