import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createReadStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session } from '../../core/domain/session.js';
import { NOTES_FORMAT_NAME } from '../../processor/engines/meeting-prompt.js';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness.js';
import { sessionObjects } from '../helpers/s3-server.js';
import { startProcessorProcess, type ProcessorProcess } from '../helpers/node-process.js';
import { until } from '../helpers/until.js';

/**
 * Processors as real processes (processor/main.ts) that die or are stopped in the middle of a
 * transcription (the WhisperX fake holds the job): the job is not lost, not done twice, and leaves nothing
 * behind but the session's own outputs.
 */

let h: PipelineHarness;
const running = new Set<ProcessorProcess>();

beforeAll(async () => {
  h = await startPipelineHarness();
  // Only the processes this file starts consume here.
  await h.processor.stop();
});

afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  await h?.close();
});

async function removeTempDirsOf(sessionId: string): Promise<void> {
  const left = (await readdir(os.tmpdir())).filter((name) => name.startsWith(`wn-${sessionId}-`));
  await Promise.all(left.map((name) => rm(path.join(os.tmpdir(), name), { recursive: true, force: true })));
}

async function processor(): Promise<ProcessorProcess> {
  const p = await startProcessorProcess(h.env);
  running.add(p);
  return p;
}

async function stopped(p: ProcessorProcess, signal: NodeJS.Signals): Promise<number | null> {
  const code = await p.kill(signal);
  running.delete(p);
  return code;
}

/** Submits the harness's video as the CLI would; resolves once it is queued. */
async function submit(): Promise<Session> {
  const { session, uploaded } = await h.core.sessionService.start({
    user: { platform: 'cli', workspaceId: 'reliability', externalId: 'tester' },
    origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
    source: { kind: 'stream', body: createReadStream(h.video), filename: 'standup.mp4', sizeBytes: null },
    options: { language: 'en' },
  });
  expect((await uploaded).status).toBe('PROCESSING');
  return session;
}

/** Holds the next transcription after its first progress line, and resolves once a processor is in it. */
async function transcriptionHeld(): Promise<void> {
  const before = h.whisperx.requests.length;
  h.whisperx.failNext({ kind: 'delay', ms: 120_000 });
  await until('the transcription to start', async () => h.whisperx.requests.length > before);
}

const notesRequests = () => h.openai.requests.filter((r) => r.chat?.response_format?.json_schema?.name === NOTES_FORMAT_NAME).length;

describe('a processor that dies or stops mid-job', () => {
  it('killed with SIGKILL mid-transcription: the job is redelivered to another processor and completes once', async () => {
    const first = await processor();
    const transcriptionsBefore = h.whisperx.requests.length;
    const notesBefore = notesRequests();
    const held = transcriptionHeld();
    const session = await submit();
    await held;

    expect(await stopped(first, 'SIGKILL')).toBeNull();
    expect((await h.core.sessions.get(session.id))?.status).toBe('PROCESSING');
    // What a killed process leaves: its audio in a temp directory its `finally` never removed.
    await removeTempDirsOf(session.id);

    const second = await processor();
    const done = await h.finalState(session.id);
    expect(done.status).toBe('COMPLETED');
    // Transcribed once by each processor (the first never finished), notes written once.
    expect(h.whisperx.requests.length - transcriptionsBefore).toBe(2);
    expect(notesRequests() - notesBefore).toBe(1);

    const todos = (await h.core.sessionService.results(session.id)).todos!;
    expect(todos.todos.length).toBeGreaterThan(0);
    expect(new Set(todos.todos.map((t) => t.id)).size).toBe(todos.todos.length);
    expect(new Set(todos.todos.map((t) => t.task)).size).toBe(todos.todos.length);
    expect(await sessionObjects(h.config.s3, session.id)).toEqual(
      [
        `${h.config.s3.buckets.videos}/${session.id}/original.mp4`,
        `${h.config.s3.buckets.transcripts}/${session.id}/summary.json`,
        `${h.config.s3.buckets.transcripts}/${session.id}/todos.json`,
        `${h.config.s3.buckets.transcripts}/${session.id}/transcript.json`,
      ].sort(),
    );
    expect((await h.deadLetters()).map((m) => m.sessionId)).not.toContain(session.id);

    // A processor with nothing in hand stops cleanly too.
    expect(await stopped(second, 'SIGTERM')).toBe(0);
  }, 90_000);

  it('stopped with SIGTERM mid-transcription: exits 0, the job goes back to the queue without using an attempt', async () => {
    const first = await processor();
    const held = transcriptionHeld();
    const session = await submit();
    await held;

    expect(await stopped(first, 'SIGTERM')).toBe(0);
    expect(first.output()).toContain('job interrupted; requeued');
    expect((await h.core.sessions.get(session.id))?.status).toBe('PROCESSING');

    await processor();
    const done = await h.finalState(session.id);
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    // The row turns COMPLETED just before the final event is published: wait for that event.
    const events = await until('the final progress event', async () => {
      const all = await h.progressOf(session.id);
      return all.at(-1)?.status === 'COMPLETED' ? all : null;
    });
    expect(events.some((e) => /retrying/.test(e.message))).toBe(false);
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', stage: 'done' });
    expect((await h.deadLetters()).map((m) => m.sessionId)).not.toContain(session.id);
  }, 90_000);
});
