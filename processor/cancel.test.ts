import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCommand, type CommandContext } from '../bot/commands.js';
import { runCli } from '../cli/cli.js';
import type { ChatUser } from '../core/domain/chat-user.js';
import { DEFAULT_OPTIONS } from '../core/sessions/session.service.js';
import { startPipelineHarness, type PipelineHarness } from '../test/helpers/pipeline-harness.js';
import { sessionObjects } from '../test/helpers/s3-server.js';
import { NOTES_FORMAT_NAME } from './engines/meeting-prompt.js';
import { until } from '../test/helpers/until.js';

let h: PipelineHarness;
const owner: ChatUser = { platform: 'discord', workspaceId: 'cancel-test', externalId: 'owner' };
const stranger: ChatUser = { platform: 'discord', workspaceId: 'cancel-test', externalId: 'stranger' };

beforeAll(async () => {
  h = await startPipelineHarness();
});
afterAll(async () => h?.close());

const origin = { platform: 'discord' as const, workspaceId: 'cancel-test', channelId: 'C1', threadRef: null, statusMessageRef: null };
const job = (sessionId: string) => ({ v: 1 as const, sessionId, options: DEFAULT_OPTIONS });

/**
 * Jobs are taken one at a time in order (prefetch 1): once a job published after `sessionId`'s has
 * completed, the processor is done with `sessionId`'s job too.
 */
async function afterProcessorPassed(): Promise<void> {
  const marker = await h.processingSession(owner, origin);
  await h.core.queue.publish('transcribe', job(marker.id));
  expect((await h.finalState(marker.id)).status).toBe('COMPLETED');
}

const commandContext = (user: ChatUser, isAdmin = false): CommandContext => ({
  sessions: h.core.sessionService,
  // No chat platform runs here; cancel asks only who shared the recording.
  members: { platform: 'discord', isChannelMember: () => Promise.reject(new Error('cancel does not ask about channel members')) },
  user,
  isAdmin,
  channel: null,
  linkFor: () => null,
  formatLink: (url, label) => `[${label}](${url})`,
  escapeText: (text) => text,
  askWhoSpoke: () => Promise.reject(new Error('cancel never asks who spoke')),
  questions: h.core.questions,
  speakers: h.core.speakers,
});

const notesRequests = () => h.openai.requests.filter((r) => r.chat?.response_format?.json_schema?.name === NOTES_FORMAT_NAME).length;

describe('cancelling a session', () => {
  it('`/whisper cancel <id>` stops a queued job: only its uploader (or an admin) may, and the job is dropped', async () => {
    const session = await h.processingSession(owner, origin);
    const transcriptionsBefore = h.whisperx.requests.length;

    expect(await answerCommand({ kind: 'cancel', sessionId: session.id }, commandContext(stranger))).toMatch(/only the person who shared/i);
    expect((await h.core.sessions.get(session.id))?.status).toBe('PROCESSING');
    expect(await answerCommand({ kind: 'cancel', sessionId: session.id }, commandContext(owner))).toMatch(/^Cancelled/);
    expect(await h.core.sessions.get(session.id)).toMatchObject({ status: 'CANCELLED', errorCode: 'CANCELLED' });
    expect(await h.core.bus.latest(session.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await answerCommand({ kind: 'cancel', sessionId: session.id }, commandContext(owner))).toMatch(/already ended \(cancelled\)/);

    // Its job, still in the queue, reaches a processor that does nothing with it.
    await h.core.queue.publish('transcribe', job(session.id));
    await afterProcessorPassed();
    expect(h.whisperx.requests.length - transcriptionsBefore).toBe(1); // the marker's only
    expect((await h.core.sessions.get(session.id))?.status).toBe('CANCELLED');
    expect((await h.deadLetters()).map((m) => m.sessionId)).not.toContain(session.id);
  });

  it('`cancel <id>` from the CLI stops a job in the middle of transcription: CANCELLED, no todos, not dead-lettered', async () => {
    const session = await h.processingSession(owner, origin);
    const before = h.whisperx.requests.length;
    const notesBefore = notesRequests();
    h.whisperx.failNext({ kind: 'delay', ms: 1_000 });
    await h.core.queue.publish('transcribe', job(session.id));
    await until('the transcription to start', async () => h.whisperx.requests.length > before);

    const out: string[] = [];
    const code = await runCli(['cancel', session.id], h.core, { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(out.join('\n')).toBe(`Cancelled ${session.id}`);
    expect(code).toBe(0);

    await afterProcessorPassed();
    expect(await h.core.sessions.get(session.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await h.core.store.exists(h.core.layout.transcript(session.id))).toBe(false);
    expect(await h.core.store.exists(h.core.layout.todos(session.id))).toBe(false);
    expect(notesRequests() - notesBefore).toBe(1); // the marker's only
    expect((await h.deadLetters()).map((m) => m.sessionId)).not.toContain(session.id);
    const events = await h.progressOf(session.id);
    expect(events.at(-1)).toMatchObject({ status: 'CANCELLED' });
    expect(events.some((e) => e.status === 'FAILED')).toBe(false);
  });

  it('a cancel closes the request to the WhisperX worker at once, before the worker would have answered', async () => {
    const session = await h.processingSession(owner, origin);
    const index = h.whisperx.requests.length;
    // The worker reports its first percent, then would go quiet for far longer than this test may run.
    h.whisperx.failNext({ kind: 'delay', ms: 600_000 });
    await h.core.queue.publish('transcribe', job(session.id));
    await until('the transcription to report progress', async () => (await h.progressOf(session.id)).some((e) => e.stage === 'transcribe'));

    expect((await h.core.sessionService.cancel(session.id, owner, false)).outcome).toBe('cancelled');
    // The worker is still silent, so only the client can have closed this connection.
    await h.whisperx.connectionClosed(index);
    await afterProcessorPassed();
    expect(await h.core.sessions.get(session.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await h.core.store.exists(h.core.layout.transcript(session.id))).toBe(false);
  });

  it('aborts an upload in progress, leaving no object behind', async () => {
    // The recording arrives slowly: half of it now, the rest never.
    const video = await readFile(h.video);
    const body = new PassThrough();
    body.write(video.subarray(0, Math.floor(video.length / 2)));
    const { session, uploaded } = await h.core.sessionService.start({
      user: owner,
      origin,
      source: { kind: 'stream', body, filename: 'standup.mp4', sizeBytes: video.length },
    });

    const result = await h.core.sessionService.cancel(session.id, owner, false);
    expect(result.outcome).toBe('cancelled');
    expect((await uploaded).status).toBe('CANCELLED');
    expect(await sessionObjects(h.config.s3, session.id)).toEqual([]);
    const events = await h.progressOf(session.id);
    expect(events.at(-1)).toMatchObject({ status: 'CANCELLED', stage: 'upload' });
  });
});
