import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { replies } from '../../test/fakes/openai-fake.js';
import { startPipelineHarness, type PipelineHarness } from '../../test/helpers/pipeline-harness.js';
import type { ChatUser } from '../domain/chat-user.js';
import type { Session } from '../domain/session.js';
import { AUTHORIZED, DEFAULT_OPTIONS } from './session.service.js';

/**
 * A FAILED session tried again (docs/architecture.md#errors): it resumes from what it stored, so a retry
 * after an LLM outage does not transcribe again. One attempt per job, so each failure is final at once.
 */

const owner: ChatUser = { platform: 'slack', workspaceId: `retry-${randomUUID()}`, externalId: 'dana' };
const origin = { platform: 'slack' as const, workspaceId: owner.workspaceId, channelId: 'C1', threadRef: null, statusMessageRef: null };

let h: PipelineHarness;

beforeAll(async () => {
  h = await startPipelineHarness({ JOB_MAX_ATTEMPTS: '1' });
});

afterEach(() => {
  h.openai.always('chat', null);
  h.whisperx.always(null);
});

afterAll(async () => h?.close());

/** A stored recording whose transcription job ran and failed with what the fakes were told to answer. */
async function failedSession(): Promise<Session> {
  const session = await h.processingSession(owner, origin);
  await h.core.queue.publish('transcribe', { v: 1, sessionId: session.id, options: DEFAULT_OPTIONS });
  const failed = await h.finalState(session.id);
  expect(failed.status).toBe('FAILED');
  return failed;
}

describe('retrying a failed session', () => {
  it('after the LLM failed: resumes from the stored transcript on the todos queue, transcribes once, completes', async () => {
    h.openai.always('chat', replies.unauthorized());
    const transcriptions = h.whisperx.requests.length;
    const failed = await failedSession();
    h.openai.always('chat', null);

    const result = await h.core.sessionService.retry(failed.id, AUTHORIZED);
    expect(result).toMatchObject({ outcome: 'retried', resumesFrom: 'todos', session: { status: 'PROCESSING', errorCode: null } });
    const done = await h.finalState(failed.id);
    expect(done).toMatchObject({ status: 'COMPLETED', errorCode: null, errorMessage: null });
    expect(h.whisperx.requests.length - transcriptions).toBe(1);
    expect((await h.core.sessionService.results(failed.id)).todos).not.toBeNull();
    // The thread and the page saw it running again between the failure and the end.
    const statuses = (await h.progressOf(failed.id)).map((e) => e.status);
    const sinceFailure = statuses.slice(statuses.indexOf('FAILED'));
    expect(sinceFailure.slice(0, 2)).toEqual(['FAILED', 'PROCESSING']);
    expect(sinceFailure.at(-1)).toBe('COMPLETED');
  });

  it('after transcription failed: starts again from the recording on the transcribe queue', async () => {
    h.whisperx.always({ kind: 'error', code: 'CUDA_OOM' });
    const failed = await failedSession();
    h.whisperx.always(null);

    expect(await h.core.sessionService.retry(failed.id, AUTHORIZED)).toMatchObject({ outcome: 'retried', resumesFrom: 'transcribe' });
    expect((await h.finalState(failed.id)).status).toBe('COMPLETED');
  });

  it('is refused when the caller\'s rule, asked with the stored session, says no; two retries at once start one job', async () => {
    h.openai.always('chat', replies.unauthorized());
    const failed = await failedSession();
    h.openai.always('chat', null);

    const asked: string[] = [];
    const nobody = (session: Session) => {
      asked.push(`${session.id} ${session.status}`);
      return Promise.resolve(false);
    };
    expect(await h.core.sessionService.retry(failed.id, nobody)).toMatchObject({ outcome: 'forbidden', session: { id: failed.id } });
    expect(asked).toEqual([`${failed.id} FAILED`]);
    expect((await h.core.sessions.get(failed.id))?.status).toBe('FAILED');

    const both = await Promise.all([h.core.sessionService.retry(failed.id, AUTHORIZED), h.core.sessionService.retry(failed.id, AUTHORIZED)]);
    expect(both.map((r) => r.outcome).sort()).toEqual(['not-failed', 'retried']);
    expect((await h.finalState(failed.id)).status).toBe('COMPLETED');
  });

  it('is refused for a session that has not failed, and for one that does not exist', async () => {
    const running = await h.processingSession(owner, origin);
    expect(await h.core.sessionService.retry(running.id, AUTHORIZED)).toMatchObject({ outcome: 'not-failed', session: { status: 'PROCESSING' } });
    expect(await h.core.sessionService.retry(randomUUID(), AUTHORIZED)).toEqual({ outcome: 'not-found' });
  });

  it('is refused for a recording that never finished uploading: nothing is stored to start from', async () => {
    const session = await h.core.sessions.create({
      id: randomUUID(),
      userId: await h.core.users.resolve(owner),
      filename: 'standup.mp4',
      origin,
      sourceKind: 'upload',
      options: DEFAULT_OPTIONS,
    });
    await h.core.sessions.update(session.id, { status: 'FAILED', errorCode: 'UPLOAD_ABANDONED', errorMessage: 'The upload stopped.' });
    expect(await h.core.sessionService.retry(session.id, AUTHORIZED)).toMatchObject({ outcome: 'no-recording' });
    expect((await h.core.sessions.get(session.id))?.status).toBe('FAILED');
  });
});
