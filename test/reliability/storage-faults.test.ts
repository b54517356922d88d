import { createReadStream } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config.js';
import type { Session } from '../../core/domain/session.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';
import { startFaultyHttpProxy, type FaultyHttpProxy } from '../helpers/faulty-http-proxy.js';
import { run } from '../helpers/media.js';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness.js';
import { sessionObjects, startS3, type TestS3 } from '../helpers/s3-server.js';

/**
 * Object storage that errors, sheds load, resets or stops answering, between the product and a real S3 server
 * (a fault-injecting proxy in front of s3rver). Transient faults are retried with backoff and do not show;
 * lasting ones end the session FAILED with STORAGE_UNAVAILABLE after a bounded number of tries, a store that
 * hangs times out, a failed upload leaves no object, and what was stored before the fault stays.
 * What the store holds is read straight from s3rver, past the proxy.
 */

const MAX_JOB_ATTEMPTS = 2;
/** The SDK's tries per request (MAX_ATTEMPTS in s3.object-store.ts). */
const TRIES_PER_REQUEST = 3;

let s3: TestS3;
let proxy: FaultyHttpProxy;
let h: PipelineHarness;
/** The store as the product is configured to reach it, but straight to s3rver, past the proxy. */
let direct: Config['s3'];
/** A WAV over one 5 MiB part, so it goes up as a multipart upload. */
let largeRecording: string;

beforeAll(async () => {
  s3 = await startS3();
  proxy = await startFaultyHttpProxy(s3.endpoint);
  // Every part of the product reaches the store through the proxy; a short idle limit keeps the hangs short.
  h = await startPipelineHarness({
    S3_ENDPOINT: proxy.url,
    S3_TIMEOUT_SECONDS: '1',
    JOB_MAX_ATTEMPTS: String(MAX_JOB_ATTEMPTS),
    JOB_RETRY_DELAYS_MS: '100',
  });
  direct = { ...h.config.s3, endpoint: s3.endpoint };
  largeRecording = path.join(h.media.dir, 'long.wav');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=40', '-ac', '2', '-ar', '48000', '-c:a', 'pcm_s16le', largeRecording]);
});

afterAll(async () => {
  await h?.close();
  await proxy?.close();
  await s3?.close();
});

/** Submits a file as the CLI does; resolves once the upload is stored or refused. */
async function submit(file: string): Promise<Session> {
  const { uploaded } = await h.core.sessionService.start({
    user: { platform: 'cli', workspaceId: 'storage-faults', externalId: 'tester' },
    origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
    source: { kind: 'stream', body: createReadStream(file), filename: path.basename(file), sizeBytes: null },
    options: { language: 'en' },
  });
  return uploaded;
}

const sent = (method: string, pattern: RegExp) => proxy.requests.filter((r) => r.method === method && pattern.test(r.path));

async function expectStorageFailure(session: Session): Promise<void> {
  expect(session).toMatchObject({ status: 'FAILED', errorCode: 'STORAGE_UNAVAILABLE' });
  expect(session.errorMessage).toMatch(/storage/i);
  expect((await h.core.bus.latest(session.id))?.error?.code).toBe('STORAGE_UNAVAILABLE');
}

describe('object storage faults during an upload', () => {
  it('retries a store that resets a connection and sheds load (503 SlowDown), and the recording goes through', async () => {
    proxy.inject({ fault: 'reset', method: 'PUT', path: /\/original\./, times: 1 });
    proxy.inject({ fault: 'slow-down', method: 'PUT', path: /\/original\./, times: 1 });

    const session = await submit(h.video);

    expect(session.status).toBe('PROCESSING');
    expect(sent('PUT', new RegExp(`${session.id}/original\\.`)).map((r) => r.fault)).toEqual(['reset', 'slow-down', null]);
    expect((await h.finalState(session.id)).status).toBe('COMPLETED');
    expect(await sessionObjects(direct, session.id)).toContain(`${h.config.s3.buckets.videos}/${session.id}/original.mp4`);
  });

  it('fails the session with STORAGE_UNAVAILABLE when a part keeps failing (500), and leaves no object behind', async () => {
    proxy.inject({ fault: 'internal-error', method: 'PUT', path: /\/original\.wav\?.*partNumber=2/ });
    const transcriptionsBefore = h.whisperx.requests.length;

    const session = await submit(largeRecording);
    proxy.heal();

    await expectStorageFailure(session);
    const parts = sent('PUT', new RegExp(`${session.id}/original\\.wav\\?.*partNumber=`));
    // Part 1 was stored; part 2 was tried a bounded number of times, then the upload was given up.
    expect(parts.filter((r) => r.fault === null).length).toBeGreaterThanOrEqual(1);
    expect(parts.filter((r) => r.fault === 'internal-error')).toHaveLength(TRIES_PER_REQUEST);
    expect(await sessionObjects(direct, session.id)).toEqual([]);
    expect(h.whisperx.requests.length).toBe(transcriptionsBefore); // nothing was queued
  });

  it('removes an object the store completed when its answer was lost, so the failed upload leaves nothing', async () => {
    proxy.inject({ fault: 'lose-answer', method: 'POST', path: /\/original\.wav\?.*uploadId=/ });

    const session = await submit(largeRecording);
    proxy.heal();

    await expectStorageFailure(session);
    const completions = sent('POST', new RegExp(`${session.id}/original\\.wav\\?.*uploadId=`));
    expect(completions.map((r) => r.fault)).toEqual(Array(TRIES_PER_REQUEST).fill('lose-answer'));
    expect(await sessionObjects(direct, session.id)).toEqual([]);
  });

  it('times out a store that stops answering instead of holding the upload, and leaves no object behind', async () => {
    proxy.inject({ fault: 'hang', method: 'PUT', path: /\/original\./ });

    const session = await submit(h.video);
    proxy.heal();

    await expectStorageFailure(session);
    expect(sent('PUT', new RegExp(`${session.id}/original\\.`)).map((r) => r.fault)).toEqual(Array(TRIES_PER_REQUEST).fill('hang'));
    expect(await sessionObjects(direct, session.id)).toEqual([]);
  });
});

describe('object storage faults while the processor stores results', () => {
  const publish = (session: Session) => h.core.queue.publish('transcribe', { v: 1, sessionId: session.id, options: DEFAULT_OPTIONS });

  it('retries a store that sheds load while the transcript is written, within the first job attempt', async () => {
    const session = await h.processingSession();
    proxy.inject({ fault: 'slow-down', method: 'PUT', path: new RegExp(`${session.id}/transcript\\.json`), times: 2 });

    await publish(session);
    const done = await h.finalState(session.id);

    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    expect(sent('PUT', new RegExp(`${session.id}/transcript\\.json`)).map((r) => r.fault)).toEqual(['slow-down', 'slow-down', null]);
  });

  it('fails the session after bounded retries when todos cannot be written, and keeps the transcript stored before', async () => {
    const session = await h.processingSession();
    const todosKey = new RegExp(`${session.id}/todos\\.json`);
    proxy.inject({ fault: 'internal-error', method: 'PUT', path: todosKey });

    await publish(session);
    const failed = await h.finalState(session.id);
    proxy.heal();

    await expectStorageFailure(failed);
    expect(failed).toMatchObject({ stage: 'todos', attempts: MAX_JOB_ATTEMPTS });
    // Each job attempt tried the write a bounded number of times; nothing got through.
    expect(sent('PUT', todosKey).map((r) => r.fault)).toEqual(Array(MAX_JOB_ATTEMPTS * TRIES_PER_REQUEST).fill('internal-error'));
    const { transcripts, videos } = h.config.s3.buckets;
    const stored = await sessionObjects(direct, session.id);
    expect(stored).toEqual(expect.arrayContaining([`${videos}/${session.id}/original.mp4`, `${transcripts}/${session.id}/transcript.json`]));
    expect(stored).not.toContain(`${transcripts}/${session.id}/todos.json`);
    const { transcript, todos } = await h.core.sessionService.results(session.id);
    expect(transcript?.segments.length).toBeGreaterThan(0);
    expect(todos).toBeNull();
  });

  it('times out a store that stops answering while the transcript is written, then fails the session', async () => {
    const session = await h.processingSession();
    const transcriptKey = new RegExp(`${session.id}/transcript\\.json`);
    proxy.inject({ fault: 'hang', method: 'PUT', path: transcriptKey });

    await publish(session);
    const failed = await h.finalState(session.id);
    proxy.heal();

    await expectStorageFailure(failed);
    expect(failed.attempts).toBe(MAX_JOB_ATTEMPTS);
    expect(sent('PUT', transcriptKey)).toHaveLength(MAX_JOB_ATTEMPTS * TRIES_PER_REQUEST);
    expect(await sessionObjects(direct, session.id)).toEqual([`${h.config.s3.buckets.videos}/${session.id}/original.mp4`]);
  });
});
