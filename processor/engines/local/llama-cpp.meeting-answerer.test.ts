import { access } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../core/logger.js';
import type { LocalModel } from '../../../core/models/catalog.js';
import { ModelProvider } from '../../../core/models/model-provider.js';
import { closeServer } from '../../../test/helpers/http.js';
import { decided, expectPromptCancel, LLAMA_TEST_SETTINGS, localMeeting, modelAt, useLlamaHosts } from '../../../test/helpers/local-llm.js';
import { tempDir, type MediaDir } from '../../../test/helpers/media.js';
import { microLlamaModel } from '../../../test/helpers/models/local-models.js';
import { answerSchema } from '../question-prompt.js';
import type { LlamaHost } from './llama-ask.js';
import { LlamaCppMeetingAnswerer } from './llama-cpp.meeting-answerer.js';
import type { LlamaAnswer, LlamaTask } from './llama.protocol.js';
import { answerGrammarSchema } from './notes-grammar.js';

/** Questions answered by llama.cpp for real, on a random-weight GGUF: its words are noise, its JSON valid. */

const log = createLogger('silent');
const llamaHost = useLlamaHosts();
let work: MediaDir;
let modelPath: string;
/** One process for the tests that let it live: the model is loaded once. */
let shared: LlamaHost;

beforeAll(async () => {
  work = await tempDir('wn-llama-answers-');
  modelPath = await microLlamaModel();
  shared = llamaHost();
}, 60_000);

afterAll(() => work?.cleanup());

const answerer = (model: LocalModel = modelAt(modelPath), host = shared) => new LlamaCppMeetingAnswerer(new ModelProvider(model, log), host, LLAMA_TEST_SETTINGS, log);

/** The line ids of a prompt's transcript ("[12] 00:01:12 …"). */
const idsIn = (task: LlamaTask) => [...task.user.matchAll(/^\[(\d+)\] /gm)].map((m) => Number(m[1]));

describe('LlamaCppMeetingAnswerer (llama.cpp on a random-weight model)', () => {
  it('answers under the answer grammar: JSON the answer schema accepts, citing only lines of the part asked', async () => {
    const runs = vi.spyOn(shared, 'run');
    const meeting = localMeeting(4);
    const answer = await answerer().answer({ transcript: meeting, question: 'Who writes the release notes?' });

    expect(runs).toHaveBeenCalledTimes(1);
    const [task] = runs.mock.calls[0]!;
    expect(task.schema).toEqual(answerGrammarSchema([0, 1, 2, 3]));
    expect(task.user).toContain('<question>Who writes the release notes?</question>');
    const raw = (await runs.mock.results[0]!.value) as LlamaAnswer;
    expect(raw.cutOff).toBe(false);
    const parsed = answerSchema.parse(JSON.parse(raw.text));
    expect(parsed.segments.every((id) => id >= 0 && id <= 3)).toBe(true);
    // Answered or not, the answer holds only the part's lines and says something when it answers.
    if (answer.answered) expect(answer.text).not.toBe('');
    else expect(answer).toEqual({ answered: false, text: '', segments: [] });
    expect(answer.segments.every((id) => parsed.segments.includes(id))).toBe(true);
    runs.mockRestore();
  }, 60_000);

  it('asks a long meeting in parts, each citing only its own lines, and merges the answers citing only what the parts cited', async () => {
    const runs = decided(shared, { answered: { const: true }, answer: { const: 'The release notes are Anna’s.' } });
    const meeting = localMeeting(60);
    const answer = await answerer().answer({ transcript: meeting, question: 'Who writes the release notes?' });

    const parts = runs.mock.calls.length - 1; // the last call merges the parts' answers
    expect(parts).toBeGreaterThanOrEqual(2);
    const cited = new Set<number>();
    for (const [i, [task]] of runs.mock.calls.slice(0, parts).entries()) {
      const own = idsIn(task);
      expect(task.user).toContain(`This is part ${i + 1} of ${parts}`);
      expect(task.schema.properties?.segments).toEqual(answerGrammarSchema(own).properties?.segments);
      const { segments } = answerSchema.parse(JSON.parse(((await runs.mock.results[i]!.value) as LlamaAnswer).text));
      expect(segments.every((id) => own.includes(id))).toBe(true);
      segments.forEach((id) => cited.add(id));
    }
    const [merge] = runs.mock.calls[parts]!;
    expect(merge.user).toContain('<parts>');
    expect(merge.schema.properties?.segments).toEqual(answerGrammarSchema([...cited].sort((a, b) => a - b)).properties?.segments);
    expect(answer).toMatchObject({ answered: true, text: 'The release notes are Anna’s.' });
    expect(answer.segments.every((id) => cited.has(id))).toBe(true);
    runs.mockRestore();
  }, 120_000);

  it('merges answers that cite nothing under a grammar that lets the merge cite nothing', async () => {
    const runs = decided(shared, { answered: { const: true }, answer: { const: 'Anna.' }, segments: { type: 'array', maxItems: 0 } });
    const answer = await answerer().answer({ transcript: localMeeting(60), question: 'Who writes the release notes?' });
    const [merge] = runs.mock.calls.at(-1)!;
    expect(merge.user).toContain('<parts>');
    expect(merge.schema.properties?.segments).toEqual({ type: 'array', maxItems: 0 });
    expect(answer).toEqual({ answered: true, text: 'Anna.', segments: [] });
    runs.mockRestore();
  }, 120_000);

  it('answers nothing when no part answers: no merge, nothing cited', async () => {
    const runs = decided(shared, { answered: { const: false } });
    const answer = await answerer().answer({ transcript: localMeeting(60), question: 'What about pricing?' });
    expect(answer).toEqual({ answered: false, text: '', segments: [] });
    expect(runs.mock.calls.every(([task]) => !task.user.includes('<parts>'))).toBe(true);
    runs.mockRestore();
  }, 120_000);

  it('stops within a second of a cancel and frees the model', async () => {
    const host = llamaHost();
    await expectPromptCancel(host, (signal) => answerer(modelAt(modelPath), host).answer({ transcript: localMeeting(60), question: 'Who?', signal }));
  }, 60_000);

  describe('a model that is not there', () => {
    let served = 0;
    /** Holds each download open after its first bytes: a model still being fetched. */
    const server = http.createServer((_req, res) => {
      served++;
      res.writeHead(200, { 'content-length': 1_000_000, 'content-type': 'application/octet-stream' }).write(Buffer.alloc(1000));
    });
    let url: string;
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/notes.gguf`;
    });
    afterAll(() => {
      server.closeAllConnections();
      return closeServer(server);
    });

    const named = (): LocalModel => ({ kind: 'llm', name: url, path: path.join(work.dir, 'models', 'notes.gguf'), source: { label: 'the language model', file: 'notes.gguf', url } });

    it('is refused with what is happening to it, never fetched for a question, and nothing is run', async () => {
      const runs = vi.spyOn(shared, 'run');
      const provider = new ModelProvider(named(), log);
      const ask = () => new LlamaCppMeetingAnswerer(provider, shared, LLAMA_TEST_SETTINGS, log).answer({ transcript: localMeeting(4), question: 'Who?' });

      await expect(ask()).rejects.toMatchObject({
        code: 'MODEL_UNAVAILABLE',
        userMessage: 'The language model has not been downloaded yet: the processor fetches it when it starts, or an administrator can run "npx whisper-notes models pull".',
      });
      expect(served).toBe(0);
      await expect(access(path.join(work.dir, 'models'))).rejects.toMatchObject({ code: 'ENOENT' });

      // The processor's download of the same model, under way.
      const download = provider.ensure().catch(() => 'stopped');
      await expect.poll(() => served).toBe(1);
      await expect(ask()).rejects.toMatchObject({
        code: 'MODEL_UNAVAILABLE',
        userMessage: 'The language model is still being downloaded; try again in a few minutes, once it is there.',
      });
      expect(served).toBe(1);
      provider.close();
      expect(await download).toBe('stopped');

      const missing = path.join(work.dir, 'nowhere.gguf');
      await expect(answerer(modelAt(missing)).answer({ transcript: localMeeting(4), question: 'Who?' })).rejects.toMatchObject({
        code: 'MODEL_UNAVAILABLE',
        userMessage: expect.stringContaining(missing) as unknown,
      });
      expect(runs).not.toHaveBeenCalled();
      runs.mockRestore();
    });
  });
});
