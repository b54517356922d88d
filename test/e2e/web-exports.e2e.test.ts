import { randomUUID } from 'node:crypto';
import { parse } from '@plussub/srt-vtt-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionJson } from '../../web/app.js';
import { LINES, NOTES, startWebFixture, transcriptFor, type WebFixture } from './web-fixture.js';

let f: WebFixture;

beforeAll(async () => {
  f = await startWebFixture();
});
afterAll(async () => {
  await f?.close();
});

const exportUrl = (id: string, format: string, token = f.token(id)) => `${f.base}/s/${id}/export/${format}?t=${token}`;

/** A finished meeting, SPEAKER_00 named Anna. */
async function finishedMeeting(): Promise<string> {
  const { id } = await f.processingSession();
  await f.complete(id);
  await f.core.speakers.nameSpeakers(id, { SPEAKER_00: 'Anna' }, null);
  return id;
}

describe('downloading a meeting’s notes', () => {
  it('serves each format as an attachment named after the recording, with its content type, behind the page’s token', async () => {
    const id = await finishedMeeting();
    const expected = {
      md: 'text/markdown; charset=utf-8',
      txt: 'text/plain; charset=utf-8',
      srt: 'application/x-subrip; charset=utf-8',
      vtt: 'text/vtt; charset=utf-8',
      json: 'application/json; charset=utf-8',
    };
    for (const [format, contentType] of Object.entries(expected)) {
      const r = await fetch(exportUrl(id, format));
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(contentType);
      expect(r.headers.get('content-disposition')).toBe(`attachment; filename="weekly-sync.${format}"`);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect((await r.text()).length).toBeGreaterThan(0);
    }
  });

  it('writes the todos, the names given and the page’s timestamps into the Markdown, and cues the subtitles', async () => {
    const id = await finishedMeeting();
    const markdown = await (await fetch(exportUrl(id, 'md'))).text();
    for (const todo of NOTES.todos) expect(markdown).toContain(`- [ ] ${todo.task} (${todo.priority}`);
    expect(markdown).toContain('(high · owner Anna · due');
    // Timestamps open the status page at that line, with the same capability link the thread got.
    expect(markdown).toContain(`[[00:00:02]](${f.config.web.publicBaseUrl}/s/${id}?t=${f.token(id)}#seg-1) **Speaker 2:** Sure. I will also fix the login bug.`);
    const vtt = (parse(await (await fetch(exportUrl(id, 'vtt'))).text()) as { entries: Array<{ from: number; text: string }> }).entries;
    // A line longer than 42 characters is shown on two.
    expect(vtt.map((e) => [e.from, e.text.replace('\n', ' ')])).toEqual([
      [0, `<v Anna>${LINES[0]![2]}`],
      [2000, `<v Speaker 2>${LINES[1]![2]}`],
      [3500, LINES[2]![2]],
    ]);
    const json = (await (await fetch(exportUrl(id, 'json'))).json()) as { speakers: unknown; transcript: { segments: unknown[] }; todos: { todos: Array<{ assignee: string | null }> } };
    expect(json.speakers).toEqual({ SPEAKER_00: 'Anna' });
    expect(json.transcript.segments).toHaveLength(LINES.length);
    expect(json.todos.todos[0]!.assignee).toBe('SPEAKER_00');
  });

  it('exports the todos as edited, added and removed on the page, owners by the names given', async () => {
    const id = await finishedMeeting();
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${f.base}/api/sessions/${id}/todos${path}?t=${f.token(id)}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    expect((await api('PUT', '/2', { task: 'Fix the login bug on mobile', assignee: 'Anna' })).status).toBe(200);
    expect((await api('POST', '', { task: 'Send the minutes', assignee: 'Speaker 2', priority: 'low' })).status).toBe(201);
    expect((await api('DELETE', '/3')).status).toBe(200);

    const markdown = await (await fetch(exportUrl(id, 'md'))).text();
    const todos = markdown.slice(markdown.indexOf('## Todos'), markdown.indexOf('## Transcript')).split('\n').filter((l) => l.startsWith('- ['));
    expect(todos).toEqual([
      expect.stringMatching(/^- \[ \] Write the release notes \(high · owner Anna · due /),
      expect.stringMatching(/^- \[ \] Fix the login bug on mobile \(medium · owner Anna · edited · \[\[00:00:02\]\]/),
      '- [ ] Send the minutes (low · owner Speaker 2 · added)',
    ]);
    const json = (await (await fetch(exportUrl(id, 'json'))).json()) as { todos: { todos: Array<{ id: string; assignee: string | null }> } };
    expect(json.todos.todos.map((t) => [t.id, t.assignee])).toEqual([['1', 'SPEAKER_00'], ['2', 'SPEAKER_00'], ['4', 'SPEAKER_01']]);
  });

  it('answers the one "nothing here" page for a missing or wrong token, an unknown session or an unknown format', async () => {
    const id = await finishedMeeting();
    const unknown = randomUUID();
    const notFound = await (await fetch(`${f.base}/s/${unknown}?t=${f.token(unknown)}`)).text();
    for (const url of [
      `${f.base}/s/${id}/export/md`,
      exportUrl(id, 'md', `${f.token(id).slice(0, -2)}xx`),
      exportUrl(id, 'md', f.token(unknown)),
      exportUrl(unknown, 'md'),
      exportUrl(id, 'pdf'),
      exportUrl(id, 'constructor'),
    ]) {
      const r = await fetch(url);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-disposition')).toBeNull();
      expect(await r.text()).toBe(notFound);
    }
  });

  it('says why a meeting without a transcript has nothing to export, and changes nothing', async () => {
    const { id } = await f.processingSession();
    const before = await f.core.sessions.get(id);
    const r = await fetch(exportUrl(id, 'md'));
    expect(r.status).toBe(404);
    expect(r.headers.get('content-disposition')).toBeNull();
    expect(await r.text()).toContain('This meeting has no transcript yet: it is still being transcribed. Export it once its notes are ready.');
    expect(await f.core.sessions.get(id)).toEqual(before);
    expect(await f.core.store.exists(f.core.layout.transcript(id))).toBe(false);
    expect(await f.core.store.exists(f.core.layout.todos(id))).toBe(false);
  });

  it('exports what a failed meeting stored: its transcript without notes; without a transcript it says the processing failed', async () => {
    const { id } = await f.processingSession();
    await f.core.sessions.transition(id, ['PROCESSING'], { status: 'FAILED', errorCode: 'TRANSCRIPTION_FAILED', errorMessage: 'The audio could not be decoded.' });
    const refused = await fetch(exportUrl(id, 'txt'));
    expect(refused.status).toBe(404);
    expect(await refused.text()).toContain('This meeting has no transcript to export: processing failed before the transcript was written.');

    // The notes' stage failed after the transcript was stored (an LLM outage): the transcript is there to take.
    await f.core.store.putJson(f.core.layout.transcript(id), transcriptFor(id, LINES));
    const markdown = await (await fetch(exportUrl(id, 'md'))).text();
    expect(markdown).toContain(`**Speaker 2:** ${LINES[1]![2]}`);
    expect(markdown).not.toContain('## Todos');
    expect(markdown).not.toContain('## Summary');
  });

  it('the page links each download once a transcript exists, and the API’s JSON carries the transcript', async () => {
    const { id } = await f.processingSession();
    const q = `?t=${f.token(id)}`;
    expect(await (await fetch(`${f.base}/s/${id}${q}`)).text()).not.toContain('class="exports');
    await f.complete(id);
    const page = await (await fetch(`${f.base}/s/${id}${q}`)).text();
    const links = [...page.matchAll(/<a href="([^"]+)" download data-format="(\w+)">([^<]+)<\/a>/g)].map((m) => [m[2], m[1], m[3]]);
    expect(links).toEqual([
      ['md', `${id}/export/md${q}`, 'Markdown'],
      ['txt', `${id}/export/txt${q}`, 'Text'],
      ['srt', `${id}/export/srt${q}`, 'Subtitles (SRT)'],
      ['vtt', `${id}/export/vtt${q}`, 'Subtitles (WebVTT)'],
      ['json', `${id}/export/json${q}`, 'JSON'],
    ]);
    expect(page).toContain('<nav class="exports card" aria-label="Download the notes">');
    const api = (await (await fetch(`${f.base}/api/sessions/${id}${q}`)).json()) as SessionJson;
    expect(api.transcript!.segments.map((s) => s.text)).toEqual(LINES.map(([, , text]) => text));
  });
});
