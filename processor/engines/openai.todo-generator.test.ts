import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatTimestamp, type StoredTranscript } from '../../core/domain/transcript.js';
import { AppError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { replies, startOpenAIFake, type OpenAIFake } from '../../test/fakes/openai-fake.js';
import { isSameTask, NOTES_FORMAT_NAME, OVERVIEW_FORMAT_NAME } from './meeting-prompt.js';
import { OpenAITodoGenerator, type OpenAITodoGeneratorOptions } from './openai.todo-generator.js';

const logger = createLogger('silent');

function meeting(lines: Array<[speaker: string, text: string]>, secondsPerLine = 4): StoredTranscript {
  return {
    session_id: '00000000-0000-4000-8000-000000000000',
    generated_at: '2025-06-25T10:30:00Z',
    engine: 'test',
    model: null,
    duration: lines.length * secondsPerLine,
    language: 'en',
    segments: lines.map(([speaker, text], id) => ({ id, start: id * secondsPerLine + 0.5, end: (id + 1) * secondsPerLine, text, speaker, words: [] })),
    word_segments: [],
  };
}

const SHORT = meeting([
  ['SPEAKER_00', 'Good morning everyone, thanks for joining.'],
  ['SPEAKER_01', 'The launch slipped by two weeks.'],
  ['SPEAKER_00', 'Can you send the budget report by Friday?'],
  ['SPEAKER_01', "Sure. I'll also update the roadmap."],
  ['SPEAKER_00', 'Great, we agreed to ship in July.'],
]);

/** A three-hour meeting: a line every 4 s; every 25 minutes the same promise, every 10 minutes a new request. */
function threeHourMeeting(): StoredTranscript {
  const lines: Array<[string, string]> = [];
  for (let i = 0; i < 2700; i++) {
    if (i % 375 === 10) lines.push(['SPEAKER_01', "I'll send the budget report to finance."]);
    else if (i % 150 === 20) lines.push(['SPEAKER_00', `Please book the venue for workshop ${i / 150 + 1}.`]);
    else lines.push([`SPEAKER_0${i % 3}`, `Here is some discussion about topic ${i % 17}.`]);
  }
  return meeting(lines);
}

describe('OpenAITodoGenerator', () => {
  let fake: OpenAIFake;
  const generator = (opts: Partial<OpenAITodoGeneratorOptions> = {}) =>
    new OpenAITodoGenerator({ baseURL: fake.baseURL, apiKey: 'sk-test', model: 'gpt-test', chunkSeconds: 1200, ...opts }, logger);
  const notesRequests = () => fake.requests.filter((r) => r.chat?.response_format?.json_schema?.name === NOTES_FORMAT_NAME);

  beforeEach(async () => {
    fake = await startOpenAIFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('turns a short meeting into todos that cite real segments at their timestamps', async () => {
    const progress: number[] = [];
    const notes = await generator().generate({ transcript: SHORT, onProgress: (p) => progress.push(p) });

    expect(notes.todos.map((t) => t.task)).toEqual(['Send the budget report by Friday', 'Also update the roadmap']);
    const [report, roadmap] = notes.todos;
    expect(report).toMatchObject({ segments: [2], timestamp: formatTimestamp(SHORT.segments[2]!.start), due: 'Friday' });
    expect(roadmap).toMatchObject({ segments: [3], timestamp: '00:00:12', assignee: 'SPEAKER_01' });
    expect(notes.decisions).toEqual(['Great, we agreed to ship in July.']);
    expect(notes.summary).toMatch(/5 lines/);
    expect(notes.title).toBe('Meeting of 5 lines'); // proposed with the summary
    expect(progress).toEqual([100]);

    // One structured request, as OpenAI documents it.
    expect(fake.requests).toHaveLength(1);
    const chat = fake.requests[0]!.chat!;
    expect(chat.model).toBe('gpt-test');
    expect(chat.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: NOTES_FORMAT_NAME } });
    expect(fake.requests[0]!.authorization).toBe('Bearer sk-test');
  });

  it('maps a three-hour meeting over parts and merges them without duplicate todos', async () => {
    const transcript = threeHourMeeting();
    const progress: number[] = [];
    const notes = await generator({ chunkSeconds: 1200 }).generate({ transcript, onProgress: (p) => progress.push(p) });

    expect(notesRequests()).toHaveLength(9);
    const overview = fake.requests.filter((r) => r.chat?.response_format?.json_schema?.name === OVERVIEW_FORMAT_NAME);
    expect(overview).toHaveLength(1);
    expect(fake.requests.at(-1)).toBe(overview[0]);

    // The promise made in several parts is one todo citing every time it was said.
    const promise = notes.todos.filter((t) => /budget report/i.test(t.task));
    expect(promise).toHaveLength(1);
    expect(promise[0]!.segments).toEqual(transcript.segments.filter((s) => /budget report/.test(s.text)).map((s) => s.id));
    expect(promise[0]!.segments.length).toBeGreaterThan(5);
    // The eighteen different requests stay apart.
    expect(notes.todos.filter((t) => /workshop/.test(t.task))).toHaveLength(18);
    for (const [i, a] of notes.todos.entries()) {
      for (const b of notes.todos.slice(i + 1)) expect(isSameTask(a.task, b.task), `${a.task} / ${b.task}`).toBe(false);
    }
    for (const t of notes.todos) expect(t.timestamp).toBe(formatTimestamp(transcript.segments[t.segments[0]!]!.start));

    expect(notes.summary.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress).toHaveLength(10); // nine parts, then the overview
    expect(progress.at(-1)).toBe(100);
  });

  it('asks nothing about a transcript without speech', async () => {
    const notes = await generator().generate({ transcript: meeting([]), onProgress: () => {} });
    expect(notes).toMatchObject({ todos: [], keyPoints: [], decisions: [] });
    expect(fake.requests).toHaveLength(0);
  });

  it('asks again, saying why, when an answer breaks the schema', async () => {
    fake.script('chat', replies.schemaBreaking());
    const notes = await generator().generate({ transcript: SHORT, onProgress: () => {} });

    expect(notes.todos).toHaveLength(2);
    expect(fake.requests).toHaveLength(2);
    const retry = fake.requests[1]!.chat!.messages;
    expect(retry).toHaveLength(3);
    expect(retry[2]!.content).toMatch(/did not match the schema/);
  });

  it('asks again when a todo cites a segment that does not exist', async () => {
    fake.script('chat', replies.citingMissingSegment(4242));
    const notes = await generator().generate({ transcript: SHORT, onProgress: () => {} });

    expect(notes.todos.flatMap((t) => t.segments)).toEqual([2, 3]);
    expect(fake.requests[1]!.chat!.messages[2]!.content).toMatch(/4242/);
  });

  it('keeps a todo whose only citation never becomes real, without a place in the recording', async () => {
    fake.always('chat', replies.citingMissingSegment(999));
    const notes = await generator().generate({ transcript: SHORT, onProgress: () => {} });

    expect(fake.requests).toHaveLength(3);
    expect(notes.todos).toHaveLength(2);
    expect(notes.todos.at(-1)).toMatchObject({ segments: [], timestamp: null });
    expect(notes.todos.at(-1)!.task.length).toBeGreaterThan(0);
  });

  it('gives up with LLM_INVALID_OUTPUT after exactly maxInvalidAnswers unusable answers', async () => {
    fake.always('chat', replies.invalidJson());
    const err = await generator({ maxInvalidAnswers: 4 })
      .generate({ transcript: SHORT, onProgress: () => {} })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'LLM_INVALID_OUTPUT', retryable: false });
    expect((err as AppError).userMessage).toMatch(/after 4 tries/);
    expect(fake.requests).toHaveLength(4);
  });

  it('waits as long as a 429 says, then succeeds', async () => {
    fake.script('chat', replies.rateLimited(1));
    const notes = await generator().generate({ transcript: SHORT, onProgress: () => {} });

    expect(notes.todos).toHaveLength(2);
    expect(fake.requests).toHaveLength(2);
    // The SDK's own backoff would be ≤ 0.5 s; `retry-after: 1` was honoured.
    expect(fake.requests[1]!.receivedAt - fake.requests[0]!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('reports LLM_UNAVAILABLE (retryable) when the service keeps failing', async () => {
    fake.always('chat', replies.serverError());
    const err = await generator({ sdkMaxRetries: 1 })
      .generate({ transcript: SHORT, onProgress: () => {} })
      .catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'LLM_UNAVAILABLE', retryable: true });
    expect(fake.requests).toHaveLength(2);
  });

  it('reports LLM_UNAVAILABLE (retryable) when nothing listens', async () => {
    const { baseURL } = fake;
    await fake.close();
    fake = await startOpenAIFake(); // for afterEach
    const err = await new OpenAITodoGenerator({ baseURL, model: 'gpt-test', chunkSeconds: 600, sdkMaxRetries: 0 }, logger)
      .generate({ transcript: SHORT, onProgress: () => {} })
      .catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'LLM_UNAVAILABLE', retryable: true });
  });

  it('fails at once, naming OPENAI_API_KEY, when the key is refused', async () => {
    await fake.close();
    fake = await startOpenAIFake({ apiKey: 'sk-right' });
    const err = await generator({ apiKey: 'sk-wrong' })
      .generate({ transcript: SHORT, onProgress: () => {} })
      .catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'LLM_UNAVAILABLE', retryable: false });
    expect((err as AppError).userMessage).toMatch(/OPENAI_API_KEY/);
    expect(fake.requests).toHaveLength(1);
  });

  it('stops when the job is cancelled', async () => {
    const controller = new AbortController();
    fake.script('chat', () => {
      controller.abort();
      return replies.serverError();
    });
    const err = await generator({ sdkMaxRetries: 2 })
      .generate({ transcript: SHORT, onProgress: () => {}, signal: controller.signal })
      .catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'CANCELLED' });
    expect(fake.requests).toHaveLength(1);
  });
});
