import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionJson } from '../../web/app.js';
import { replies, startOpenAIFake, type OpenAIFake } from '../fakes/openai-fake.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

let f: WebFixture;
let llm: OpenAIFake;

beforeAll(async () => {
  llm = await startOpenAIFake();
  f = await startWebFixture({}, { OPENAI_BASE_URL: llm.baseURL });
});
afterAll(async () => {
  await f?.close();
  await llm?.close();
});

async function finishedMeeting(): Promise<string> {
  const { id } = await f.processingSession();
  await f.complete(id);
  await f.core.speakers.nameSpeakers(id, { SPEAKER_00: 'Anna' }, null);
  return id;
}

const ask = (id: string, question: string, headers: Record<string, string> = {}) =>
  fetch(`${f.base}/s/${id}/questions?t=${f.token(id)}`, { method: 'POST', body: new URLSearchParams({ question }), headers, redirect: 'manual' });

describe('asking about a meeting on its page', () => {
  it('answers the question box on the page, the moments cited linked to their lines; an invented one never shown', async () => {
    const id = await finishedMeeting();
    expect(await (await fetch(`${f.base}/s/${id}?t=${f.token(id)}`)).text()).toContain('<form id="question-form" method="post"');

    llm.script('chat', replies.answer('SPEAKER_00 writes the release notes, before Friday.', [0, 42]));
    const r = await ask(id, 'Who writes the release notes?');
    expect(r.status).toBe(303);
    const [question] = await f.core.questions.list(id);
    expect(r.headers.get('location')).toBe(`../${id}?t=${f.token(id)}#question-${question!.id}`);

    const page = await (await fetch(`${f.base}/s/${id}?t=${f.token(id)}`)).text();
    const section = page.slice(page.indexOf('<section id="questions"'), page.indexOf('<section id="transcript"'));
    expect(section).toContain('<strong>Who writes the release notes?</strong>');
    // Names are applied as everywhere; the line cited is a link to it in the transcript below.
    expect(section).toContain('<p class="answer">Anna writes the release notes, before Friday.</p><p class="cited">From <a class="ts" href="#seg-0">00:00:00</a></p>');
    expect(section).not.toContain('seg-42');
    expect(page).toContain('id="seg-0"');
  });

  it('answers the JSON API with the answer as stored, and lists the questions with the session', async () => {
    const id = await finishedMeeting();
    const r = await fetch(`${f.base}/api/sessions/${id}/questions?t=${f.token(id)}`, { method: 'POST', body: JSON.stringify({ question: 'What about pricing?' }), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(201);
    const { question } = (await r.json()) as { question: { answer: string; citations: unknown[] } };
    expect(question).toMatchObject({ answer: 'The meeting does not say.', citations: [] });

    const session = (await (await fetch(`${f.base}/api/sessions/${id}?t=${f.token(id)}`)).json()) as SessionJson;
    expect(session.questions).toEqual([expect.objectContaining({ question: 'What about pricing?', answer: 'The meeting does not say.', askedBy: null })]);
  });

  it('refuses an empty question, a question from another website, a wrong token and a meeting without a transcript, asking nothing', async () => {
    const id = await finishedMeeting();
    const since = llm.requests.length;

    const empty = await ask(id, '   ');
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('The question is empty: ask something about the meeting.');
    const json = await fetch(`${f.base}/api/sessions/${id}/questions?t=${f.token(id)}`, { method: 'POST', body: JSON.stringify({ question: 'x'.repeat(501) }), headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(422);
    expect(await json.json()).toMatchObject({ error: { code: 'QUESTION_INVALID', message: 'The question is too long: at most 500 characters.' } });

    const crossSite = await ask(id, 'Who writes the release notes?', { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toContain('sent from another website, so nothing was asked');
    const forged = await fetch(`${f.base}/s/${id}/questions?t=${f.token(id).slice(1)}x`, { method: 'POST', body: new URLSearchParams({ question: 'Who?' }), redirect: 'manual' });
    expect(forged.status).toBe(404);

    const { id: running } = await f.processingSession();
    const early = await ask(running, 'Who writes the release notes?');
    expect(early.status).toBe(404);
    expect(await early.text()).toContain('This meeting has no transcript yet: it is still being transcribed.');

    expect(llm.requests.length).toBe(since);
    expect(await f.core.questions.list(id)).toEqual([]);
  });
});
