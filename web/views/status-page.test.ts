import { describe, expect, it } from 'vitest';
import type { Session } from '../../core/domain/session.js';
import { buildDocuments } from '../../core/domain/todos.js';
import type { SessionState } from '../session-state.js';
import { escapeHtml, html } from './html.js';
import { speakerName } from '../../core/domain/speaker-name.js';
import { parseTimestamp, renderStatusPage } from './status-page.js';

const id = '6f1c2a9e-5b7d-4c3e-9a8f-0e1d2c3b4a59';
const EVIL = `<script>alert(1)</script><img src=x onerror="alert(2)">' " &`;

function completedState(text: string): SessionState {
  const docs = buildDocuments(
    id,
    {
      summary: text,
      keyPoints: [text],
      decisions: [text],
      todos: [{ task: text, priority: 'high', context: text, assignee: text, due: text, segments: [0], timestamp: '00:01:05' }],
      estimatedTime: null,
    },
    new Date('2026-11-25T10:30:00Z'),
  );
  const session = {
    id,
    filename: text,
    status: 'COMPLETED',
    stage: 'done',
    percent: 100,
    createdAt: new Date('2026-11-25T10:00:00Z'),
    updatedAt: new Date('2026-11-25T10:30:00Z'),
    durationSeconds: 70,
  } as Session;
  return {
    session,
    progress: { sessionId: id, seq: 9, status: 'COMPLETED', stage: 'done', percent: 100, message: 'Done', etaSeconds: null, at: '2026-11-25T10:30:00.000Z', error: null },
    results: {
      summary: docs.summary,
      todos: docs.todos,
      speakers: {},
      members: {},
      version: 1,
      versions: [],
      transcript: {
        session_id: id, generated_at: '', engine: 'whisperx', model: null, duration: 70, language: 'en', word_segments: [],
        segments: [{ id: 0, start: 65, end: 66, text, words: [], speaker: text }],
      },
    },
    media: { url: 'http://127.0.0.1:9000/video-files/x/original.mp4?X-Amz-Signature=a&X-Amz-Date=b"><script>', kind: 'video' },
    questions: [{ id: 'q1', sessionId: id, question: text, answer: text, citations: [{ segment: 0, start: 65 }], askedBy: text, askedAt: new Date('2026-11-25T10:40:00Z') }],
  };
}

describe('html', () => {
  it('escapes every interpolated value, nested lists included, and leaves SafeHtml alone', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p title="${'"x"'}">${['<b>', html`<i>${'<u>'}</i>`]}${null}${false}${0}</p>`.value).toBe(
      '<p title="&quot;x&quot;">&lt;b&gt;<i>&lt;u&gt;</i>0</p>',
    );
  });
});

describe('the status page', () => {
  it('shows markup from the transcript, the LLM and the file name as text, never as markup', () => {
    const page = renderStatusPage(completedState(EVIL), 'tok"en');
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('"><script>');
    expect(page).not.toMatch(/onerror="/);
    // Each place the text appears, it appears escaped: title, summary, key point, decision, todo, context, speaker, segment, question, answer, asker.
    const escaped = escapeHtml(EVIL);
    expect(page.split(escaped).length - 1).toBeGreaterThanOrEqual(12);
    expect(page).toContain('data-token="tok&quot;en"');
    // The only scripts are the page's own file.
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).toContain('<script src="../assets/status.js" defer></script>');
  });

  it('links every timestamp to the recording at that time', () => {
    const page = renderStatusPage(completedState('Ship it'), 'token');
    expect(page).toContain('data-seek="65"');
    expect(page).toContain('aria-label="Play from 00:01:05"');
    expect(page).toMatch(/href="http:\/\/127\.0\.0\.1:9000\/video-files\/x\/original\.mp4\?X-Amz-Signature=a&amp;X-Amz-Date=b[^"]*#t=65"/);
  });

  it("writes when the meeting was recorded in UTC, machine-readable for the script to show in the viewer's zone", () => {
    const page = renderStatusPage(completedState('Ship it'), 'token');
    expect(page).toContain('<p class="meta"><time datetime="2026-11-25T10:00:00.000Z">25 Nov 2026, 10:00 UTC</time> · 00:01:10 long</p>');
  });

  it('gives each segment its time span, for the script to highlight the one being played', () => {
    expect(renderStatusPage(completedState('Ship it'), 'token')).toContain('<li class="segment" id="seg-0" data-start="65" data-end="66">');
  });

  it('says why a transcript names no speakers when its engine cannot tell them apart, and says nothing otherwise', () => {
    const state = completedState('plain words');
    expect(renderStatusPage(state, 'token')).not.toContain('speaker-note');
    const note = 'Speakers are not identified: the local speech engine (whisper.cpp) does not tell voices apart.';
    const local = { ...state, results: { ...state.results!, transcript: { ...state.results!.transcript!, speaker_note: note } } };
    expect(renderStatusPage(local, 'token')).toContain(`<p class="note" id="speaker-note">${note}</p>`);
  });

  it('shows a todo without a place in the recording with no time, and says how many todos were left out', () => {
    const state = completedState('Ship it');
    const [todo] = state.results!.todos!.todos;
    const todos = { ...state.results!.todos!, todos: [{ ...todo!, segments: [], timestamp: null }], metadata: { ...state.results!.todos!.metadata, dropped: 3 } };
    const page = renderStatusPage({ ...state, results: { ...state.results!, todos } }, 'token');
    expect(page).toContain('<label for="todo-1">Ship it</label>');
    expect(page).toMatch(/<p id="todo-1-details" class="details"><span class="prio prio-high">high<\/span> · <span class="assignee" data-speaker="Ship it" data-unnamed="Ship it">Ship it<\/span> · due Ship it<span/);
    expect(page).toContain('<p class="note" id="todos-dropped">3 more todos were left out: a list keeps the first 100.</p>');
    expect(renderStatusPage(state, 'token')).not.toContain('todos-dropped');
  });

  it('shows a due date with the phrase it was read from, and marks an open todo past it overdue', () => {
    const state = completedState('Ship it');
    const [todo] = state.results!.todos!.todos;
    const withDue = (completed: boolean) => ({ ...state.results!.todos!, todos: [{ ...todo!, due: 'by Friday', due_date: '2026-11-27', completed }] });
    const render = (completed: boolean, now: string) =>
      renderStatusPage({ ...state, now: new Date(now), results: { ...state.results!, todos: withDue(completed) } }, 'token');
    const due = '<time datetime="2026-11-27" title="by Friday">due Fri 27 Nov (by Friday)</time>';

    expect(render(false, '2026-11-27T12:00:00Z')).toContain(`· ${due} ·`);
    expect(render(false, '2026-11-28T12:00:00Z')).toContain(`· ${due} <strong class="overdue">overdue</strong> ·`);
    expect(render(true, '2026-11-28T12:00:00Z')).not.toContain('class="overdue"');
  });

  it('says who edited or added a todo by hand, and offers each todo an edit form holding what it shows', () => {
    const state = completedState('Ship it');
    const [todo] = state.results!.todos!.todos;
    const todos = { ...state.results!.todos!, todos: [
      { ...todo!, assignee: 'SPEAKER_01', edited_by: 'Ana', edited_at: '2026-11-25T11:00:00Z' },
      { ...todo!, id: '2', added_by: null, added_at: '2026-11-25T11:00:00Z' },
      { ...todo!, id: '3', added_by: 'Ben', added_at: '2026-11-25T11:00:00Z' },
    ] };
    const page = renderStatusPage({ ...state, results: { ...state.results!, todos, speakers: { SPEAKER_01: 'Maria' } } }, 'token');
    expect(page).toContain('<span class="changed-by"> · edited by Ana</span>');
    expect(page).toContain('<span class="changed-by"> · added</span>');
    expect(page).toContain('<span class="changed-by"> · added by Ben</span>');
    // The owner as shown (the speaker's name), in the field and in what the form says it showed.
    expect(page).toContain('<input id="edit-1-assignee" name="assignee" value="Maria" list="todo-owners"');
    expect(page).toContain('<input type="hidden" name="seen_assignee" value="Maria">');
    expect(page).toContain(`<form class="todo-remove-form" method="post" action="${id}/todos/3/remove?t=token">`);
  });

  it('names the first stage of a recording shared as a link "Downloading", live updates included', () => {
    const state = completedState('Standup');
    const progress = { ...state.progress, status: 'UPLOADING' as const, stage: 'upload' as const, percent: 0, message: 'Fetching the recording from its link' };
    const link = renderStatusPage({ ...state, session: { ...state.session, sourceKind: 'link' }, progress }, 'token');
    expect(link).toContain('<strong id="progress-stage">Downloading</strong>');
    expect(link).toContain('&quot;upload&quot;:&quot;Downloading&quot;');
    const upload = renderStatusPage({ ...state, session: { ...state.session, sourceKind: 'upload' }, progress }, 'token');
    expect(upload).toContain('<strong id="progress-stage">Uploading</strong>');
  });

  it('gives the video the transcript as subtitles, off by default, in its language when known, only once a transcript exists', () => {
    const state = completedState('Ship it');
    const src = `${id}/export/vtt?t=tok%22en`;
    expect(renderStatusPage(state, 'tok"en')).toContain(`aria-label="Meeting recording"><track kind="subtitles" src="${src}" srclang="en" label="English (transcript)"></video>`);
    const unknown = { ...state, results: { ...state.results!, transcript: { ...state.results!.transcript!, language: 'und' } } };
    expect(renderStatusPage(unknown, 'tok"en')).toContain(`<track kind="subtitles" src="${src}" label="Transcript"></video>`);
    // No transcript (still running, or failed before it was written): no track. An audio player shows no captions.
    expect(renderStatusPage({ ...state, results: { ...state.results!, transcript: null } }, 'token')).not.toContain('<track');
    expect(renderStatusPage({ ...state, results: null }, 'token')).not.toContain('<track');
    expect(renderStatusPage({ ...state, media: { ...state.media!, kind: 'audio' } }, 'token')).not.toContain('<track');
  });

  it('names speakers readably and reads todo timestamps', () => {
    expect(speakerName('SPEAKER_00')).toBe('Speaker 1');
    expect(speakerName('SPEAKER_11')).toBe('Speaker 12');
    expect(speakerName('Anna')).toBe('Anna');
    expect(parseTimestamp('01:02:03')).toBe(3723);
  });
});
