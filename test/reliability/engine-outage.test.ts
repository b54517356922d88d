import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../core/domain/session.js';
import { extractAudio } from '../../core/media/ffmpeg.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';
import { OpenAITodoGenerator } from '../../processor/engines/openai.todo-generator.js';
import { WhisperxTranscriber } from '../../processor/engines/whisperx.transcriber.js';
import { startProcessor, type ProcessorEngines, type RunningProcessor } from '../../processor/processor.js';
import { replies, type ChatRequest } from '../fakes/openai-fake.js';
import type { FakeFailure } from '../fakes/whisperx-fake.js';
import { freePort } from '../helpers/http.js';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness.js';

/**
 * The WhisperX worker or the LLM endpoint down (nothing listens) or stuck (no answer, or silence mid-answer),
 * with one processor: each try gives up within a bounded time, the job is retried a bounded number of times
 * with its delays, and the session ends FAILED with a sentence that names what to check. Meanwhile the queue
 * keeps flowing: a session whose requests succeed completes before the stuck one fails.
 * Session A asks for German and the fakes fail only German requests; session B (English) is served.
 */

const MAX_JOB_ATTEMPTS = 3;
/** The processor's limit on silence here; production waits minutes. */
const IDLE_MS = 1_000;

let h: PipelineHarness;
let processor: RunningProcessor | null = null;

beforeAll(async () => {
  h = await startPipelineHarness({ JOB_MAX_ATTEMPTS: String(MAX_JOB_ATTEMPTS), JOB_RETRY_DELAYS_MS: '200' });
  await h.processor.stop(); // each test runs its own single processor
});

afterEach(async () => {
  await processor?.stop();
  processor = null;
  h.whisperx.always(null);
  h.openai.always('chat', null);
});

afterAll(async () => h?.close());

/** The one processor: the configured fakes (or `overrides`), with short limits on silence. */
async function startOneProcessor(overrides: Partial<ProcessorEngines> = {}): Promise<void> {
  const { config, log } = h.core;
  processor = await startProcessor(h.core, {
    transcriber: new WhisperxTranscriber({ url: config.transcriber.whisperxUrl, model: null, idleTimeoutMs: IDLE_MS }, log),
    generator: new OpenAITodoGenerator(
      { baseURL: config.llm.baseUrl, apiKey: config.llm.apiKey, model: config.llm.model, chunkSeconds: config.llm.chunkSeconds, sdkMaxRetries: 1, timeoutMs: IDLE_MS },
      log,
    ),
    extractAudio,
    ...overrides,
  });
}

/** A stored recording, queued for transcription in `language`. */
async function queued(language: string): Promise<Session> {
  const session = await h.processingSession();
  await h.core.queue.publish('transcribe', { v: 1, sessionId: session.id, options: { ...DEFAULT_OPTIONS, language } });
  return session;
}

const isGerman = (request: ChatRequest) => request.messages.some((m) => typeof m.content === 'string' && m.content.includes('language code "de"'));

/** The sentence names the setting to check, and no address or key. */
function expectAdvice(session: Session, variable: string): void {
  expect(session.errorMessage).toContain(variable);
  expect(session.errorMessage).not.toMatch(/127\.0\.0\.1|https?:|sk-test/);
}

/** Session B completed, and did so before session A failed (both read from the database's clock). */
function expectCompletedFirst(b: Session, a: Session): void {
  expect(b.status).toBe('COMPLETED');
  expect(a.status).toBe('FAILED');
  expect(b.updatedAt.getTime()).toBeLessThan(a.updatedAt.getTime());
}

describe('the WhisperX worker down or stuck', () => {
  it('down (nothing listens at WHISPERX_URL): bounded retries, then FAILED saying to check the worker', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await startOneProcessor({ transcriber: new WhisperxTranscriber({ url, model: null }, h.core.log) });

    const a = await queued('de');
    const failed = await h.finalState(a.id);

    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'TRANSCRIBER_UNAVAILABLE', stage: 'transcribe', attempts: MAX_JOB_ATTEMPTS });
    expect(failed.errorMessage).toMatch(/busy or unreachable/);
    expectAdvice(failed, 'WHISPERX_URL');
    expect((await h.deadLetters()).map((m) => m.sessionId)).toContain(a.id);
  });

  it.each<[string, FakeFailure]>([
    ['answers nothing', { kind: 'hang' }],
    ['goes silent between progress lines', { kind: 'delay', ms: 60_000 }],
  ])('stuck on one recording (%s): each try times out, and another recording completes before it fails', async (_, stuck) => {
    h.whisperx.always(stuck, (request) => request.query.language === 'de');
    await startOneProcessor();
    const triedBefore = h.whisperx.requests.filter((r) => r.query.language === 'de').length;

    const a = await queued('de');
    const b = await queued('en');
    const [doneB, failedA] = [await h.finalState(b.id), await h.finalState(a.id)];

    expectCompletedFirst(doneB, failedA);
    expect(failedA).toMatchObject({ errorCode: 'TRANSCRIBER_UNAVAILABLE', attempts: MAX_JOB_ATTEMPTS });
    expect(failedA.errorMessage).toMatch(/stopped answering/);
    expectAdvice(failedA, 'WHISPERX_URL');
    expect(h.whisperx.requests.filter((r) => r.query.language === 'de').length - triedBefore).toBe(MAX_JOB_ATTEMPTS);
  });

  it('slow but progressing: a transcription longer than the silence limit completes while its lines keep coming', async () => {
    h.whisperx.failNext({ kind: 'slow', lineEveryMs: IDLE_MS * 0.6 });
    await startOneProcessor();

    const done = await h.finalState((await queued('en')).id);

    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 1 });
  });
});

describe('the LLM endpoint down or stuck', () => {
  it('down (nothing listens at OPENAI_BASE_URL): bounded retries, then FAILED saying to check the endpoint; the transcript stays', async () => {
    const { config, log } = h.core;
    const baseURL = `http://127.0.0.1:${await freePort()}/v1`;
    await startOneProcessor({
      generator: new OpenAITodoGenerator({ baseURL, apiKey: 'sk-test', model: config.llm.model, chunkSeconds: config.llm.chunkSeconds, sdkMaxRetries: 0 }, log),
    });

    const a = await queued('de');
    const failed = await h.finalState(a.id);

    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'LLM_UNAVAILABLE', stage: 'todos', attempts: MAX_JOB_ATTEMPTS });
    expect(failed.errorMessage).toMatch(/could not be reached/);
    expectAdvice(failed, 'OPENAI_BASE_URL');
    const { transcript, todos } = await h.core.sessionService.results(a.id);
    expect(transcript?.segments.length).toBeGreaterThan(0);
    expect(todos).toBeNull();
  });

  it('stuck on one meeting (no answer): each try times out, and another meeting completes before it fails', async () => {
    h.openai.always('chat', replies.hang(), isGerman);
    await startOneProcessor();
    const askedBefore = h.openai.requests.filter((r) => r.chat && isGerman(r.chat)).length;

    const a = await queued('de');
    const b = await queued('en');
    const [doneB, failedA] = [await h.finalState(b.id), await h.finalState(a.id)];

    expectCompletedFirst(doneB, failedA);
    expect(failedA).toMatchObject({ errorCode: 'LLM_UNAVAILABLE', stage: 'todos', attempts: MAX_JOB_ATTEMPTS });
    expect(failedA.errorMessage).toMatch(/did not answer in time/);
    expectAdvice(failedA, 'OPENAI_BASE_URL');
    // Each job attempt: the request and the SDK's one retry.
    expect(h.openai.requests.filter((r) => r.chat && isGerman(r.chat)).length - askedBefore).toBe(MAX_JOB_ATTEMPTS * 2);
    expect((await h.core.sessionService.results(a.id)).transcript).not.toBeNull();
  });
});
