import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobMessage } from '../core/domain/job.js';
import { normaliseTranscript } from '../core/domain/transcript.js';
import type { DestinationStream } from '../core/logger.js';
import { topologyNames } from '../core/queue/topology.js';
import { DEFAULT_OPTIONS } from '../core/sessions/session.service.js';
import { startPipelineHarness, type PipelineHarness } from '../test/helpers/pipeline-harness.js';
import { until } from '../test/helpers/until.js';

let h: PipelineHarness;
const logLines: string[] = [];
const capture: DestinationStream = { write: (line: string) => void logLines.push(line) };

/** Whether the processor logged `msg` about `sessionId`. */
const logged = (msg: string, sessionId: string) =>
  logLines.some((line) => {
    const entry = JSON.parse(line) as { msg?: string; sessionId?: string };
    return entry.msg === msg && entry.sessionId === sessionId;
  });

beforeAll(async () => {
  h = await startPipelineHarness({ JOB_MAX_ATTEMPTS: '3', JOB_RETRY_DELAYS_MS: '50,100', LOG_LEVEL: 'info' }, { logDestination: capture });
});
afterAll(async () => h?.close());

const job = (sessionId: string) => ({ v: 1 as const, sessionId, options: DEFAULT_OPTIONS });

/** The keys of a JSON line's outer object as written (JSON.parse would quietly keep only the last of a pair). */
function writtenKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let end = i + 1;
      while (line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      if (depth === 1 && line[end + 1] === ':') keys.push(line.slice(i + 1, end));
      i = end;
    }
  }
  return keys;
}

describe('the processor', () => {
  it('names the session in every line it logs while working on its job', async () => {
    const session = await h.processingSession();
    const from = logLines.length;
    await h.core.queue.publish('transcribe', job(session.id));
    expect((await h.finalState(session.id)).status).toBe('COMPLETED');

    const lines = logLines.slice(from).map((line) => JSON.parse(line) as { msg: string; sessionId?: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['transcription started', 'transcription finished']));
    expect(lines.filter((l) => l.sessionId !== session.id)).toEqual([]);
  });

  it('writes each key once in a line, from start-up on', () => {
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      const keys = writtenKeys(line);
      expect(keys, line).toEqual([...new Set(keys)]);
    }
  });

  it('resumes a redelivered job from the transcript already stored, without transcribing again', async () => {
    const session = await h.processingSession();
    const transcript = normaliseTranscript(
      { segments: [{ start: 0, end: 2, text: 'Can you book the venue for Friday?', speaker: 'SPEAKER_00' }] },
      { sessionId: session.id, engine: 'whisperx', model: null, duration: 6, language: 'en', now: new Date() },
    );
    await h.core.store.putJson(h.core.layout.transcript(session.id), transcript);
    const before = h.whisperx.requests.length;

    await h.core.queue.publish('transcribe', job(session.id));
    const done = await h.finalState(session.id);

    expect(done.status).toBe('COMPLETED');
    expect(h.whisperx.requests.length).toBe(before);
    const todos = (await h.core.sessionService.results(session.id)).todos!;
    expect(todos.todos.map((t) => t.task).join(' ')).toMatch(/venue/i);
  });

  it('stores each todo\'s due date, read from the meeting day in the session\'s zone, else DEFAULT_TIME_ZONE (UTC)', async () => {
    // Wednesday 23:30 UTC is already Thursday in Tokyo: "by Thursday" is a week later there.
    const meetingAt = new Date('2026-12-02T23:30:00Z');
    const resolved = async (timeZone: string | null) => {
      const session = await h.processingSession();
      await h.core.knex('sessions').where({ id: session.id }).update({ created_at: meetingAt, time_zone: timeZone });
      const transcript = normaliseTranscript(
        { segments: [{ start: 0, end: 2, text: 'Can you send the report by Thursday?', speaker: 'SPEAKER_00' }] },
        { sessionId: session.id, engine: 'whisperx', model: null, duration: 6, language: 'en', now: new Date() },
      );
      await h.core.store.putJson(h.core.layout.transcript(session.id), transcript);
      await h.core.queue.publish('todos', job(session.id));
      expect((await h.finalState(session.id)).status).toBe('COMPLETED');
      const todos = (await h.core.sessionService.results(session.id)).todos!;
      return { timeZone: todos.metadata.time_zone, dues: todos.todos.map((t) => [t.due, t.due_date]) };
    };

    expect(await resolved('Asia/Tokyo')).toEqual({ timeZone: 'Asia/Tokyo', dues: [['Thursday', '2026-12-10']] });
    expect(await resolved(null)).toEqual({ timeZone: 'UTC', dues: [['Thursday', '2026-12-03']] });
  });

  it('ignores a duplicate todos job after the session completed', async () => {
    const session = await h.processingSession();
    await h.core.queue.publish('transcribe', job(session.id));
    const first = await h.finalState(session.id);
    const todosBefore = await h.core.store.getJson(h.core.layout.todos(session.id));
    const chatCalls = h.openai.requests.length;

    // A duplicate delivery after completion (e.g. the ack was lost) changes nothing.
    await h.core.queue.publish('todos', job(session.id));
    // Only once the duplicate was consumed does "nothing changed" prove anything.
    await until('the duplicate todos job to be dropped', async () => logged('session already final; job dropped', session.id));
    expect(first.status).toBe('COMPLETED');
    expect(h.openai.requests.length).toBe(chatCalls);
    expect(await h.core.store.getJson(h.core.layout.todos(session.id))).toEqual(todosBefore);
  });

  it('retries a worker that crashed mid-job and completes', async () => {
    const session = await h.processingSession();
    const before = h.whisperx.requests.length;
    h.whisperx.failNext({ kind: 'disconnect' });
    await h.core.queue.publish('transcribe', job(session.id));
    const done = await h.finalState(session.id);
    expect(done.status).toBe('COMPLETED');
    expect(h.whisperx.requests.length - before).toBe(2);
    const events = await h.progressOf(session.id);
    expect(events.some((e) => /retrying/.test(e.message))).toBe(true);
  });

  it('on a retry, never moves the progress backwards: the retried attempt shows the stage reached until it gets past it', async () => {
    const session = await h.processingSession();
    h.whisperx.failNext({ kind: 'disconnect' });
    await h.core.queue.publish('transcribe', job(session.id));
    expect((await h.finalState(session.id)).status).toBe('COMPLETED');

    const events = (await h.progressOf(session.id)).filter((e) => e.status === 'PROCESSING');
    const percents = events.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const retry = events.find((e) => /retrying \(attempt 2\)/.test(e.message));
    expect(retry).toMatchObject({ stage: 'transcribe' });
    // The second attempt extracts the audio again, shown where the first one got to.
    const again = events.slice(events.indexOf(retry!) + 1).find((e) => e.message.startsWith('Extracting the audio'));
    expect(again).toMatchObject({ stage: 'transcribe', percent: retry!.percent, message: 'Extracting the audio (retrying, attempt 2)' });
  });

  it('fails the session with the worker’s reason when the error is final, and dead-letters the job', async () => {
    const session = await h.processingSession();
    h.whisperx.failNext({ kind: 'error', code: 'no_align_model', message: 'No default align-model for language: is' });
    await h.core.queue.publish('transcribe', job(session.id));
    const done = await h.finalState(session.id);
    expect(done).toMatchObject({ status: 'FAILED', errorCode: 'TRANSCRIPTION_FAILED', stage: 'transcribe' });
    expect(done.errorMessage).toMatch(/align/i);
    const dead = (await h.deadLetters()).filter((m) => m.queue === 'transcribe');
    expect(dead.map((m) => (JSON.parse(m.body) as JobMessage).sessionId)).toContain(session.id);
    expect((await h.core.bus.latest(session.id))?.error?.code).toBe('TRANSCRIPTION_FAILED');
    // The original recording is kept: the user can fix the cause and try again.
    expect(await h.core.store.exists(h.core.layout.original(session.id, 'mp4'))).toBe(true);
  });

  it('gives up after the configured attempts when the worker stays down', async () => {
    const session = await h.processingSession();
    h.whisperx.failNext({ kind: 'disconnect' }, { kind: 'disconnect' }, { kind: 'disconnect' });
    await h.core.queue.publish('transcribe', job(session.id));
    const done = await h.finalState(session.id);
    expect(done).toMatchObject({ status: 'FAILED', errorCode: 'TRANSCRIBER_UNAVAILABLE', attempts: 3 });
  });

  it('waits for a busy worker without spending an attempt', async () => {
    const session = await h.processingSession();
    const before = h.whisperx.requests.length;
    h.whisperx.failNext({ kind: 'unavailable', retryAfterSeconds: 0 }, { kind: 'unavailable', retryAfterSeconds: 0 }, { kind: 'unavailable', retryAfterSeconds: 0 });
    await h.core.queue.publish('transcribe', job(session.id));
    const done = await h.finalState(session.id);
    expect(done.status).toBe('COMPLETED');
    expect(h.whisperx.requests.length - before).toBe(4);
    expect((await h.progressOf(session.id)).some((e) => /retrying/.test(e.message))).toBe(false);
  });

  it('dead-letters a malformed message and a job for a deleted session, and keeps working', async () => {
    const conn = await connect(h.config.amqp.url);
    const ch = await conn.createConfirmChannel();
    const queue = topologyNames(h.config.amqp).queues.transcribe.main;
    ch.sendToQueue(queue, Buffer.from('{"v":1,"sessionId":'), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    await h.core.queue.publish('transcribe', job(randomUUID()));

    const session = await h.processingSession();
    await h.core.queue.publish('transcribe', job(session.id));
    expect((await h.finalState(session.id)).status).toBe('COMPLETED');
    const dead = (await h.deadLetters()).filter((m) => m.queue === 'transcribe');
    expect(dead.some((m) => m.body === '{"v":1,"sessionId":' && m.reason === 'invalid-message')).toBe(true);
  });
});
