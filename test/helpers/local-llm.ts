import type { GbnfJsonObjectSchema } from 'node-llama-cpp';
import { afterAll, expect, vi } from 'vitest';
import { AppError } from '../../core/errors.js';
import type { StoredTranscript } from '../../core/domain/transcript.js';
import { createLogger } from '../../core/logger.js';
import type { LocalModel } from '../../core/models/catalog.js';
import { InferenceHost } from '../../processor/engines/local/inference-host.js';
import type { LlamaHost, LlamaSettings } from '../../processor/engines/local/llama-ask.js';

/** The local LLM for real in a test: llama.cpp in its child process, on a random-weight GGUF (its words are noise). */

const LINES = [
  'Anna, can you write the release notes before Friday?',
  'Sure, I will have them ready by Thursday evening.',
  'Ben will ship the login fixes to staging tomorrow.',
  'We agreed to move the launch to next Tuesday.',
];

/** `count` lines of a meeting, 6 s apart: 60 are about 3,300 characters, more than one part of a 4,096-token context. */
export function localMeeting(count: number): StoredTranscript {
  const segments = Array.from({ length: count }, (_, id) => ({ id, start: id * 6, end: id * 6 + 5, text: LINES[id % LINES.length]!, words: [] }));
  return {
    session_id: '00000000-0000-4000-8000-000000000001',
    generated_at: '2026-12-04T00:00:00Z',
    engine: 'whisper.cpp',
    model: 'micro',
    duration: count * 6,
    language: 'en',
    segments,
    word_segments: [],
  };
}

/** One thread: two would oversubscribe this machine's two cores while other test files run. */
export const LLAMA_TEST_SETTINGS: LlamaSettings = { contextTokens: 4096, threads: 1, chunkSeconds: 1200 };

/** A model file named by its path (LOCAL_LLM_MODEL=/path/to/file.gguf): used as it is, never fetched. */
export const modelAt = (file: string): LocalModel => ({ kind: 'llm', name: file, path: file, source: null });

/** llama.cpp's child processes for one test file, each as the service runs it; all closed after the file's tests. */
export function useLlamaHosts(): () => LlamaHost {
  const hosts: LlamaHost[] = [];
  afterAll(() => Promise.all(hosts.splice(0).map((h) => h.close())));
  return () => {
    const host: LlamaHost = new InferenceHost({
      name: 'llama.cpp',
      entry: new URL('../../processor/engines/local/llama.worker.ts', import.meta.url),
      idleMs: 60_000,
      log: createLogger('silent'),
    });
    hosts.push(host);
    return host;
  };
}

/**
 * The real engine under a narrower grammar: a model that always finds the answer (or never does), which a
 * random model says by chance. The spy's calls hold the tasks as asked, before the narrowing.
 */
export function decided(host: LlamaHost, fields: GbnfJsonObjectSchema['properties']) {
  const run = host.run.bind(host);
  return vi.spyOn(host, 'run').mockImplementation((task, options) => {
    const schema: GbnfJsonObjectSchema = { ...task.schema, properties: { ...task.schema.properties, ...fields } };
    return run({ ...task, schema }, options);
  });
}

/**
 * Starts `work` with a signal, cancels it once llama.cpp is generating, and checks the cancel took effect at
 * once (the child killed, not waited for) and the model's memory is freed.
 */
export async function expectPromptCancel(host: LlamaHost, work: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  let generating = false;
  const run = host.run.bind(host);
  vi.spyOn(host, 'run').mockImplementation((task, options) => run(task, { ...options, onProgress: (p) => ((generating = true), options?.onProgress?.(p)) }));
  const controller = new AbortController();
  const running = work(controller.signal);
  await expect.poll(() => generating, { timeout: 30_000 }).toBe(true);
  const cancelledAt = Date.now();
  controller.abort(new AppError('CANCELLED', 'cancelled'));
  await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
  expect(Date.now() - cancelledAt).toBeLessThan(1000);
  expect(host.loaded).toBe(false);
}
