import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { completedSession, LINES, transcriptFor } from '../../test/e2e/web-fixture.js';
import { replies, startOpenAIFake } from '../../test/fakes/openai-fake.js';
import { uploadingSession } from '../../test/helpers/sessions.js';
import { decided } from '../../test/helpers/local-llm.js';
import { microLlamaModel } from '../../test/helpers/models/local-models.js';
import { useTestCore } from '../../test/helpers/test-core.js';
import { ANSWER_FORMAT_NAME, ANSWER_MERGE_FORMAT_NAME } from '../../processor/engines/question-prompt.js';
import type { Core } from '../app.js';
import { DOES_NOT_SAY } from '../domain/question.js';
import { refPath } from '../domain/storage-layout.js';
import { isAppError } from '../errors.js';

// The core answers through the real openai SDK against the fake: the LLM engine is chosen by createCore.
const fake = await startOpenAIFake({ apiKey: 'sk-test' });
const microModel = await microLlamaModel();
const testCore = useTestCore({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test', LLM_CHUNK_SECONDS: '1200' });
let core: Core;
let userId: string;

beforeAll(async () => {
  core = testCore.core;
  userId = await core.users.resolve({ platform: 'cli', workspaceId: null, externalId: `questions-${Date.now()}` });
});
afterAll(() => fake.close());

const answerRequests = (since: number) => fake.requests.slice(since).filter((r) => r.chat?.response_format?.json_schema?.name === ANSWER_FORMAT_NAME);

async function meeting(lines = LINES): Promise<string> {
  const { id } = await completedSession(core, userId);
  testCore.created.push(id);
  if (lines !== LINES) await core.store.putJson(core.layout.transcript(id), transcriptFor(id, lines));
  return id;
}

/** A two-hour meeting, a line every 4 s, where pricing comes up in the first and the last half hour only. */
function longMeeting(): typeof LINES {
  return Array.from({ length: 1800 }, (_, i): (typeof LINES)[number] => {
    if (i === 100) return ['SPEAKER_00', i * 4, 'For pricing we start at ten euros a seat.'];
    if (i === 1700) return ['SPEAKER_01', i * 4, 'Final pricing: twelve euros a seat, from March.'];
    return [`SPEAKER_0${i % 2}`, i * 4, `Some discussion about topic ${i % 13}.`];
  });
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (err: unknown) => (isAppError(err) ? { code: err.code, message: err.userMessage } : err),
  );

describe('asking about a meeting', () => {
  it('answers from the transcript, citing the lines it relies on at their times, and keeps the question with the session', async () => {
    const id = await meeting();
    const question = await core.questions.ask(id, '  Who writes the release   notes? ', 'U0ASKER');

    expect(question).toMatchObject({
      sessionId: id,
      question: 'Who writes the release notes?',
      answer: 'SPEAKER_00 said: Anna, can you write the release notes before Friday?',
      citations: [{ segment: 0, start: 0 }],
      askedBy: 'U0ASKER',
    });
    expect(await core.questions.list(id)).toEqual([question]);
    // The question reached the model fenced apart from the transcript.
    const [request] = answerRequests(0).filter((r) => r.chat!.messages.some((m) => String(m.content).includes('<question>Who writes the release notes?</question>')));
    expect(request?.authorization).toBe('Bearer sk-test');
  });

  it('never keeps a citation of a line the meeting does not have', async () => {
    const id = await meeting();
    fake.script('chat', replies.answer('Anna writes them [999], before Friday.', [0, 999, 2]));
    const question = await core.questions.ask(id, 'Who writes the release notes?', null);

    expect(question.citations).toEqual([
      { segment: 0, start: 0 },
      { segment: 2, start: 3.5 },
    ]);
    // An id written into the text is no citation either.
    expect(question.answer).toBe('Anna writes them, before Friday.');
  });

  it('says plainly when the meeting does not answer the question, citing nothing', async () => {
    const id = await meeting();
    const question = await core.questions.ask(id, 'What did we decide about pricing?', null);
    expect(question).toMatchObject({ answer: DOES_NOT_SAY, citations: [] });

    fake.script('chat', replies.answer('', [1], false));
    expect(await core.questions.ask(id, 'Who fixes the login bug?', null)).toMatchObject({ answer: DOES_NOT_SAY, citations: [] });
  });

  it('maps a long meeting over its parts and merges the parts that answer', async () => {
    const id = await meeting(longMeeting());
    const since = fake.requests.length;
    const question = await core.questions.ask(id, 'What pricing did we agree on?', null);

    // Two hours in parts of 20 minutes (LLM_CHUNK_SECONDS), then one merge of the two parts that answered.
    expect(answerRequests(since)).toHaveLength(6);
    const merges = fake.requests.slice(since).filter((r) => r.chat?.response_format?.json_schema?.name === ANSWER_MERGE_FORMAT_NAME);
    expect(merges).toHaveLength(1);
    expect(question.answer).toBe('SPEAKER_00 said: For pricing we start at ten euros a seat. SPEAKER_01 said: Final pricing: twelve euros a seat, from March.');
    expect(question.citations).toEqual([
      { segment: 100, start: 400 },
      { segment: 1700, start: 6800 },
    ]);
  });

  it('drops a part’s citation of a line outside that part, and the merge’s citation of a line the meeting lacks', async () => {
    const id = await meeting(longMeeting());
    const step = replies.answer('Ten euros a seat.', [100, 1700]);
    fake.always('chat', step, (r) => r.response_format?.json_schema?.name === ANSWER_FORMAT_NAME && r.messages.some((m) => String(m.content).includes('[100] ')));
    fake.always('chat', replies.answer('Ten, then twelve euros a seat.', [100, 1700, 5000]), (r) => r.response_format?.json_schema?.name === ANSWER_MERGE_FORMAT_NAME);
    try {
      const question = await core.questions.ask(id, 'What pricing did we agree on?', null);
      expect(question.citations.map((c) => c.segment)).toEqual([100, 1700]);
      expect(question.answer).toBe('Ten, then twelve euros a seat.');
    } finally {
      fake.always('chat', null);
    }
  });

  it('refuses an empty or oversized question, a deleted meeting and one without a transcript, saving nothing and asking no model', async () => {
    const id = await meeting();
    const since = fake.requests.length;
    expect(await refusal(core.questions.ask(id, '   ', null))).toEqual({ code: 'QUESTION_INVALID', message: 'The question is empty: ask something about the meeting.' });
    expect(await refusal(core.questions.ask(id, 'why '.repeat(200), null))).toEqual({ code: 'QUESTION_INVALID', message: 'The question is too long: at most 500 characters.' });

    const { id: failed } = await uploadingSession(core, userId);
    testCore.created.push(failed);
    await core.sessions.transition(failed, ['UPLOADING'], { status: 'FAILED', errorCode: 'NO_AUDIO', errorMessage: 'No sound.', videoPath: refPath(core.layout.original(failed, 'mp4')) });
    expect(await refusal(core.questions.ask(failed, 'What was decided?', null))).toEqual({
      code: 'TRANSCRIPT_NOT_READY',
      message: 'This meeting has no transcript to answer from: processing failed before the transcript was written.',
    });

    const gone = await meeting();
    await core.sessionService.delete(gone, { platform: 'cli', workspaceId: null, externalId: 'operator' }, true);
    expect(await refusal(core.questions.ask(gone, 'What was decided?', null))).toEqual({ code: 'SESSION_NOT_FOUND', message: 'This meeting no longer exists.' });
    expect(await refusal(core.questions.ask('not-a-session', 'What was decided?', null))).toMatchObject({ code: 'SESSION_NOT_FOUND' });

    expect(fake.requests.length).toBe(since);
    expect(await core.questions.list(id)).toEqual([]);
    expect(await core.questions.list(failed)).toEqual([]);
  });

  it('purges the questions with the session', async () => {
    const id = await meeting();
    await core.questions.ask(id, 'Who writes the release notes?', null);
    await core.sessionService.delete(id, { platform: 'cli', workspaceId: null, externalId: 'operator' }, true);
    expect(await core.knex('questions').where({ session_id: id }).count({ n: '*' })).toEqual([{ n: '0' }]);
  });
});

describe('asking where the LLM is the local llama.cpp engine', () => {
  // No OPENAI_BASE_URL nor OPENAI_API_KEY: the process asked answers with its own llama.cpp child process, here on
  // a random-weight model whose words are noise but whose answers, under the grammar, are valid.
  const local = useTestCore({ LOCAL_LLM_MODEL: microModel, LOCAL_LLM_CONTEXT: '4096', LOCAL_THREADS: '1' });
  let id: string;
  beforeAll(async () => {
    const owner = await local.core.users.resolve({ platform: 'cli', workspaceId: null, externalId: `questions-local-${Date.now()}` });
    id = (await completedSession(local.core, owner)).id;
    local.created.push(id);
  });

  it('answers from the transcript with the local model, citing only its lines at their times, and keeps the question', async () => {
    const runs = vi.spyOn(local.core.local.llm!.host, 'run');
    const question = await local.core.questions.ask(id, 'Who writes the release notes?', 'U0ASKER');

    expect(runs).toHaveBeenCalledTimes(1);
    expect(runs.mock.calls[0]![0].user).toContain('[0] 00:00:00 SPEAKER_00: Anna, can you write the release notes before Friday?');
    expect(question).toMatchObject({ sessionId: id, question: 'Who writes the release notes?', askedBy: 'U0ASKER' });
    expect(question.answer).not.toBe('');
    if (question.answer === DOES_NOT_SAY) expect(question.citations).toEqual([]);
    for (const { segment, start } of question.citations) expect(start).toBe(LINES[segment]![1]);
    expect(await local.core.questions.list(id)).toEqual([question]);
    runs.mockRestore();
  }, 60_000);

  it('says plainly that the meeting does not say when the model finds nothing in it', async () => {
    const runs = decided(local.core.local.llm!.host, { answered: { const: false } });
    const question = await local.core.questions.ask(id, 'What about pricing?', null);
    expect(question).toMatchObject({ answer: DOES_NOT_SAY, citations: [] });
    runs.mockRestore();
  }, 60_000);
});
