import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../core/logger.js';
import type { LocalModel } from '../../../core/models/catalog.js';
import { ModelProvider } from '../../../core/models/model-provider.js';
import { closeServer } from '../../../test/helpers/http.js';
import { expectPromptCancel, LLAMA_TEST_SETTINGS, localMeeting, modelAt, useLlamaHosts } from '../../../test/helpers/local-llm.js';
import { tempDir, type MediaDir } from '../../../test/helpers/media.js';
import { microLlamaModel } from '../../../test/helpers/models/local-models.js';
import { notesAnswerSchema } from '../meeting-prompt.js';
import { LlamaCppTodoGenerator } from './llama-cpp.todo-generator.js';
import type { LlamaAnswer } from './llama.protocol.js';

/** The local LLM for real: llama.cpp in its child process, on a random-weight GGUF (its words are noise). */

const log = createLogger('silent');
const llamaHost = useLlamaHosts();
let work: MediaDir;
let modelPath: string;

function generator(model: LocalModel) {
  const host = llamaHost();
  return { host, engine: new LlamaCppTodoGenerator(new ModelProvider(model, log), host, LLAMA_TEST_SETTINGS, log) };
}

beforeAll(async () => {
  work = await tempDir('wn-llama-cpp-');
  modelPath = await microLlamaModel();
}, 60_000);

afterAll(() => work?.cleanup());

describe('LlamaCppTodoGenerator (llama.cpp on a random-weight model)', () => {
  it('refuses a regeneration’s model other than the one it runs, before starting anything; gives an instruction to the model', async () => {
    const { engine, host } = generator(modelAt(modelPath));
    const runs = vi.spyOn(host, 'run');
    await expect(engine.generate({ transcript: localMeeting(4), model: 'gpt-4o', onProgress: () => {} })).rejects.toMatchObject({
      code: 'MODEL_UNAVAILABLE',
      userMessage: expect.stringContaining('cannot use "gpt-4o"') as string,
    });
    expect(runs).not.toHaveBeenCalled();

    await engine.generate({ transcript: localMeeting(4), instruction: 'in German', model: modelPath, onProgress: () => {} });
    expect(runs.mock.calls[0]![0].system).toContain('<request>in German</request>');
  });

  it('writes notes under the schema grammar: valid, bounded, citing only real lines; long meetings mapped in parts, then reduced', async () => {
    const { engine, host } = generator(modelAt(modelPath));
    const runs = vi.spyOn(host, 'run');
    const meeting = localMeeting(60); // about 3,300 characters: more than one part fits a 4,096-token context
    const progress: number[] = [];
    const notes = await engine.generate({ transcript: meeting, onProgress: (p) => progress.push(p) });

    const parts = runs.mock.calls.length - 1; // the last call merges the parts' overviews
    expect(parts).toBeGreaterThanOrEqual(2);
    for (const [task] of runs.mock.calls) {
      expect(task.threads).toBe(1);
      expect(task.contextTokens).toBe(4096);
    }
    // Each part's prompt carries only its own lines, and the grammar lets it cite only those.
    const partPrompts = runs.mock.calls.slice(0, parts).map(([task]) => task.user);
    expect(partPrompts.every((p) => p.length < 4096 * 2.5)).toBe(true);
    const ids = new Set(meeting.segments.map((s) => s.id));
    for (const todo of notes.todos) {
      expect(todo.segments.length).toBeGreaterThan(0);
      expect(todo.segments.every((id) => ids.has(id))).toBe(true);
      expect(todo.timestamp).toMatch(/^\d{2}:\d{2}:\d{2}$/);
      // The grammar counts characters, not UTF-16 units. A random-weight model also emits byte tokens that
      // form no valid UTF-8: the grammar takes such a broken sequence as one character, the decoder writes one
      // U+FFFD per byte, so those are left out of the count.
      expect([...todo.task.replaceAll('\uFFFD', '')].length).toBeLessThanOrEqual(150);
    }
    expect(notes.summary.length).toBeLessThanOrEqual(1000);
    expect(notes.keyPoints.length).toBeLessThanOrEqual(5);
    expect(progress.at(-1)).toBe(100);
  }, 120_000);

  it('answers JSON that the notes schema accepts for a short meeting in one part', async () => {
    const { engine, host } = generator(modelAt(modelPath));
    const runs = vi.spyOn(host, 'run');
    await engine.generate({ transcript: localMeeting(4), onProgress: () => {} });
    expect(runs).toHaveBeenCalledTimes(1);
    const answer = (await runs.mock.results[0]!.value) as LlamaAnswer;
    expect(answer.cutOff).toBe(false);
    expect(notesAnswerSchema.safeParse(JSON.parse(answer.text)).success).toBe(true);
    expect(answer.generatedTokens).toBeGreaterThan(0);
  }, 60_000);

  it('stops within a second of a cancel and frees the model', async () => {
    const { engine, host } = generator(modelAt(modelPath));
    await expectPromptCancel(host, (signal) => engine.generate({ transcript: localMeeting(60), onProgress: () => {}, signal }));
  }, 60_000);

  it('fetches a named model once, saying how far the download is, then uses it', async () => {
    const body = await readFile(modelPath);
    let served = 0;
    const server = http.createServer((req, res) => {
      served++;
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/llama-micro.gguf`;
      const model: LocalModel = {
        kind: 'llm',
        name: url,
        path: path.join(work.dir, 'models', 'llama-micro.gguf'),
        source: { label: 'the language model', file: 'llama-micro.gguf', url, sha256: createHash('sha256').update(body).digest('hex') },
      };
      const { engine } = generator(model);
      const messages: string[] = [];
      await engine.generate({ transcript: localMeeting(4), onProgress: (_p, message) => void (message && messages.push(message)) });
      await engine.generate({ transcript: localMeeting(4), onProgress: () => {} });
      expect(served).toBe(1);
      expect(messages.some((m) => /^Downloading the language model: 100 % of \d+\.\d MB$/.test(m))).toBe(true);
      expect(messages.at(-1)).toBe('Writing the summary and todos');
    } finally {
      await closeServer(server);
    }
  }, 60_000);

  it('says which file is missing, and fails a file that is no model as an engine failure', async () => {
    const missing = path.join(work.dir, 'nowhere.gguf');
    await expect(generator(modelAt(missing)).engine.generate({ transcript: localMeeting(4), onProgress: () => {} })).rejects.toMatchObject({
      code: 'MODEL_UNAVAILABLE',
      userMessage: expect.stringContaining(missing) as unknown,
    });
    const notModel = path.join(work.dir, 'not-a-model.gguf');
    await writeFile(notModel, 'GGUF but not really');
    await expect(generator(modelAt(notModel)).engine.generate({ transcript: localMeeting(4), onProgress: () => {} })).rejects.toMatchObject({
      code: 'LLM_UNAVAILABLE',
      retryable: false,
    });
  }, 60_000);
});
