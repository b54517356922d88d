import { MAX_DISPLAY_NAME } from '../../core/domain/display-name.js';
import { meetingTitle } from '../../core/domain/exports/meeting.js';
import { formatEta, stageLabel } from '../../core/domain/progress-text.js';
import { EXPORT_FORMATS, EXPORTS } from '../../core/domain/exports/index.js';
import type { ProgressEvent } from '../../core/domain/progress.js';
import { MAX_SPEAKER_NAME, speakerName, withSpeakerNames, type SpeakerNames } from '../../core/domain/speaker-name.js';
import { STAGES, type SourceKind } from '../../core/domain/session.js';
import { EDITABLE_FIELDS, handChange, type EditableField } from '../../core/domain/todo-edit.js';
import { droppedTodosSentence, NOTE_LIMITS, PRIORITIES, shownDue, type ShownDue, type Todo } from '../../core/domain/todos.js';
import { formatTimestamp, type Segment } from '../../core/domain/transcript.js';
import type { NotesVersion } from '../../core/db/notes-versions.repository.js';
import { NOTES_INSTRUCTION_MAX } from '../../core/domain/job.js';
import { languageCode, LANGUAGES } from '../../core/domain/language.js';
import type { Media, SessionState } from '../session-state.js';
import { html, type SafeHtml } from './html.js';
import { renderQuestions } from './questions.js';
import { renderDocument } from './layout.js';

/** `hh:mm:ss` → seconds (todos cite times in this form). */
export function parseTimestamp(ts: string): number {
  return ts.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/** The stage names for the script, so the page and the chat messages say the same words. */
/** The stage names the page's script shows as progress arrives. */
const stageLabelsJson = (sourceKind: SourceKind) => JSON.stringify(Object.fromEntries(STAGES.map((s) => [s, stageLabel(s, sourceKind)])));

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** Jumps the player to `seconds`; without JavaScript the link opens the recording at that time (media fragment). */
function seekLink(media: Media | null, seconds: number, label: string): SafeHtml {
  if (!media) return html`<span class="ts">${label}</span>`;
  return html`<a class="ts" href="${`${media.url}#t=${seconds}`}" data-seek="${seconds}" aria-label="${`Play from ${label}`}">${label}</a>`;
}

/** A page under /s/: the assets are one level up. */
function document(title: string, body: SafeHtml): string {
  return renderDocument({ title, assets: '../assets/', script: 'status.js', noindex: true }, body);
}

/** The whole page. The final state is complete without JavaScript; the script only adds live updates. */
export function renderStatusPage(state: SessionState, token: string): string {
  const { session, media, results } = state;
  const title = meetingTitle({ session, summary: results?.summary ?? null, todos: results?.todos ?? null });
  // In UTC here; the script shows it in the viewer's own zone.
  const recorded = html`<time datetime="${session.createdAt.toISOString()}">${dateFormat.format(session.createdAt)} UTC</time>`;
  const length = session.durationSeconds ? ` · ${formatTimestamp(session.durationSeconds)} long` : null;
  return document(
    title,
    html`<main id="page" data-session="${session.id}" data-token="${token}" data-status="${state.progress.status}" data-stages="${stageLabelsJson(session.sourceKind)}">
<header>
<p class="brand">Whisper Notes</p>
<h1>${title}</h1>
<p class="meta">${recorded}${length}</p>
${renderRename(session.id, token, title)}
<p id="link-note" class="meta"><button type="button" id="copy-link" hidden>Copy link</button> This page’s link is the key to this meeting: whoever has it can read the notes and change them. Share it only with people who should.</p>
</header>
${media && renderPlayer(media, results?.transcript ? subtitlesTrack(session.id, token, results.transcript.language) : null)}
<div id="state">
${renderState(state, token)}
</div>
</main>`,
  );
}

/** Renaming the meeting: a title, or empty for the one its notes proposed (docs/architecture.md#coming-back-to-a-meeting). */
function renderRename(sessionId: string, token: string, title: string): SafeHtml {
  return html`<details id="rename"><summary>Rename</summary>
<form id="rename-form" method="post" action="${`${sessionId}/rename?t=${encodeURIComponent(token)}`}">
<label for="rename-title">Title</label> <input id="rename-title" name="title" maxlength="${MAX_DISPLAY_NAME}" value="${title}" autocomplete="off"> <button type="submit">Save</button>
</form></details>`;
}

/** A page that only says something ("Not found", a refused form); `uploadPage` links back to the upload form. */
export function renderMessagePage(title: string, message: string, uploadPage: string | null = null): string {
  const back = uploadPage !== null && html`<p><a href="${uploadPage}">Upload a recording</a></p>`;
  return document(
    title,
    html`<main id="page"><header><p class="brand">Whisper Notes</p><h1>${title}</h1></header><section class="card"><p>${message}</p>${back}</section></main>`,
  );
}

/**
 * The transcript as the player's subtitles: the WebVTT export, speakers in voice spans, behind the page's token.
 * Off until the viewer turns captions on. Audio players show no captions, so only a video gets it.
 */
function subtitlesTrack(sessionId: string, token: string, language: string): SafeHtml {
  // `und` (or anything else unknown) when the engine did not say: no srclang then, rather than a wrong one.
  const code = languageCode(language);
  const src = `${sessionId}/export/vtt?t=${encodeURIComponent(token)}`;
  return code
    ? html`<track kind="subtitles" src="${src}" srclang="${code}" label="${`${LANGUAGES[code]} (transcript)`}">`
    : html`<track kind="subtitles" src="${src}" label="Transcript">`;
}

function renderPlayer(media: Media, subtitles: SafeHtml | null): SafeHtml {
  const player =
    media.kind === 'audio'
      ? html`<audio id="player" controls preload="metadata" src="${media.url}" aria-label="Meeting recording"></audio>`
      : html`<video id="player" controls preload="metadata" playsinline src="${media.url}" aria-label="Meeting recording">${subtitles}</video>`;
  return html`<section id="media" class="player">${player}</section>`;
}

/** What changes as the session moves: progress while it runs, then the outcome. */
export function renderState(state: SessionState, token: string): SafeHtml {
  const { progress } = state;
  switch (progress.status) {
    case 'COMPLETED':
      return renderResults(state, token);
    case 'FAILED':
      return html`<section id="failed" class="card failed" role="alert"><h2>Processing failed</h2><p>${progress.error?.message ?? progress.message}</p>${retryForm(state, token)}</section>`;
    case 'CANCELLED':
      return html`<section id="cancelled" class="card"><h2>Cancelled</h2><p>This recording was cancelled before it was processed.</p></section>`;
    default:
      return renderProgress(progress, state.session.sourceKind);
  }
}

/** A failed session whose recording was stored can be tried again, from what it stored (docs/architecture.md#errors). */
function retryForm({ session }: SessionState, token: string): SafeHtml | null {
  if (!session.videoPath) return null;
  return html`<form id="retry-form" method="post" action="${`${session.id}/retry?t=${encodeURIComponent(token)}`}"><button type="submit">Try again</button></form>`;
}

function renderProgress(p: ProgressEvent, sourceKind: SourceKind): SafeHtml {
  const eta = formatEta(p.etaSeconds);
  return html`<section id="progress" class="card" aria-labelledby="progress-title">
<h2 id="progress-title">Working on it</h2>
<progress id="progress-bar" max="100" value="${p.percent}" aria-labelledby="progress-title" aria-describedby="progress-status">${p.percent}%</progress>
<div id="progress-status" role="status" aria-live="polite">
<p><strong id="progress-stage">${stageLabel(p.stage, sourceKind)}</strong> · <span id="progress-percent">${p.percent}%</span><span id="progress-eta" class="eta">${eta ? ` · ${eta}` : ''}</span></p>
<p id="progress-message" class="message">${p.message}</p>
</div>
</section>`;
}

function renderResults(state: SessionState, token: string): SafeHtml {
  const { results, media, session } = state;
  const summary = results?.summary;
  const todos = results?.todos?.todos ?? [];
  const segments = results?.transcript?.segments ?? [];
  // Names are applied here; the stored documents keep the labels (docs/architecture.md#stored-results).
  const names = results?.speakers ?? {};
  const named = (text: string) => withSpeakerNames(text, names);
  const summaryText = named(summary?.summary ?? results?.todos?.summary ?? '');
  const done = todos.filter((t) => t.completed).length;
  const dropped = results?.todos ? droppedTodosSentence(results.todos) : null;
  const versions = results?.versions ?? [];
  const current = versions.at(-1)?.version ?? 1;
  // An earlier version is shown as it was, read only: its ticks are history (docs/architecture.md#regenerating-the-notes).
  const readOnly = (results?.version ?? current) < current;
  const link = (version: number | null) => `${session.id}?t=${encodeURIComponent(token)}${version === null ? '' : `&v=${version}`}`;
  return html`${renderVersions(versions, results?.version ?? current, link)}${results?.transcript ? renderExports(session.id, token) : null}<section id="summary" class="card">
<h2>Summary</h2>
${summaryText.split(/\n{2,}/).map((p) => html`<p>${p}</p>`)}
${summary?.key_points.length ? html`<h3>Key points</h3><ul>${summary.key_points.map((k) => html`<li>${named(k)}</li>`)}</ul>` : null}
${summary?.decisions.length ? html`<h3>Decisions</h3><ul>${summary.decisions.map((d) => html`<li>${named(d)}</li>`)}</ul>` : null}
${readOnly ? null : renderRegenerateForm(session.id, token)}
</section>
<section id="todos" class="card" aria-labelledby="todos-title">
<h2 id="todos-title">Todos <span id="todos-count" class="count">${done} of ${todos.length} done</span></h2>
<div id="todo-items">
${
  todos.length === 0
    ? html`<p>No todos came up in this meeting.</p>`
    : html`<ul class="todos">${todos.map((t) => renderTodo(t, names, media, shownDue(t, results!.todos!, state.now ?? new Date()), readOnly ? null : todoActions(session.id, token)))}</ul>
${readOnly ? null : html`<form id="todo-form" method="post" action="${todoAction(session.id, token, '')}"><noscript><button type="submit">Save ticks</button></noscript></form>`}`
}
${dropped ? html`<p class="note" id="todos-dropped">${dropped}</p>` : null}
<datalist id="todo-owners">${speakerLabels(segments).map((label) => html`<option value="${speakerName(label, names)}"></option>`)}</datalist>
</div>
${results?.todos && !readOnly ? renderAddForm(session.id, token) : null}
</section>
${results?.transcript ? renderQuestions(state.questions, names, session.id, token) : null}
<section id="transcript" class="card" aria-labelledby="transcript-title">
<h2 id="transcript-title">Transcript</h2>
${results?.transcript?.speaker_note ? html`<p class="note" id="speaker-note">${results.transcript.speaker_note}</p>` : null}
${renderSpeakerForms(segments, names, session.id, token)}
<ol class="transcript">${segments.map((s) => renderSegment(s, names, media))}</ol>
</section>`;
}

/** The notes to download in each export format (docs/architecture.md#exports), shown once a transcript exists. */
function renderExports(sessionId: string, token: string): SafeHtml {
  const links = EXPORT_FORMATS.map(
    (format) => html`<a href="${`${sessionId}/export/${format}?t=${encodeURIComponent(token)}`}" download data-format="${format}">${EXPORTS[format].label}</a>`,
  );
  return html`<nav class="exports card" aria-label="Download the notes"><span>Download:</span> ${links}</nav>`;
}

/** Where a todo form posts: `/s/{id}/todos{path}?t=…`, relative to the page. */
const todoAction = (sessionId: string, token: string, path: string) => `${sessionId}/todos${path}?t=${encodeURIComponent(token)}`;

/** A todo's edit and remove forms, posting to its own path. */
type TodoActions = (todo: Todo, shownOwner: string) => SafeHtml;

/** A todo with its box and `actions`; without them (an earlier version of the notes) its state in words, without a box. */
function renderTodo(todo: Todo, names: SpeakerNames, media: Media | null, due: ShownDue | null, actions: TodoActions | null): SafeHtml {
  const id = `todo-${todo.id}`;
  const assignee = todo.assignee ? html` · ${renderSpeaker(todo.assignee, names, 'assignee')}` : null;
  const box = actions
    ? html`<input type="checkbox" id="${id}" name="done" value="${todo.id}" form="todo-form"${todo.completed ? html` checked` : null} aria-describedby="${`${id}-details`}">
<input type="hidden" name="shown" value="${`${todo.id}:${todo.completed ? 1 : 0}`}" form="todo-form">
<label for="${id}">${todo.task}</label>`
    : html`<span class="task">${todo.completed ? '✅ ' : ''}${todo.task}</span>`;
  return html`<li class="${!actions && todo.completed ? 'todo done' : 'todo'}" data-todo="${todo.id}">
${box}
<p id="${`${id}-details`}" class="details"><span class="${`prio prio-${todo.priority}`}">${todo.priority}</span>${assignee}${due ? html` · ${renderDue(due)}` : null}${todo.timestamp ? html` · ${seekLink(media, parseTimestamp(todo.timestamp), todo.timestamp)}` : null}<span class="done-by">${doneBy(todo)}</span><span class="changed-by">${changedBy(todo)}</span></p>
${todo.context ? html`<p class="context">${todo.context}</p>` : null}
${actions?.(todo, todo.assignee ? speakerName(todo.assignee, names) : '') ?? null}
</li>`;
}

/**
 * The versions of the notes, once they were regenerated: a link to each (the current one without `v`), with
 * what was asked and by whom; on an earlier version, that it is read only and where the current one is.
 */
function renderVersions(versions: NotesVersion[], shown: number, link: (version: number | null) => string): SafeHtml | null {
  if (versions.length < 2) return null;
  const current = versions.at(-1)!.version;
  const asked = (v: NotesVersion) => {
    if (v.version === 1) return 'the first notes';
    return [v.instruction ? `“${v.instruction}”` : 'rewritten', v.model ? ` with ${v.model}` : '', v.requestedBy ? ` by ${v.requestedBy}` : ''].join('');
  };
  return html`<nav id="versions" class="card" aria-label="Versions of the notes">
<h2>Versions of the notes</h2>
<ol>${versions.map(
    (v) =>
      html`<li><a href="${link(v.version === current ? null : v.version)}"${v.version === shown ? html` aria-current="page"` : null}>v${v.version}</a>: ${asked(v)}, <time datetime="${v.createdAt.toISOString()}">${dateFormat.format(v.createdAt)} UTC</time></li>`,
  )}</ol>
${shown < current ? html`<p class="note" id="read-only">Version ${shown} of ${current} — read only. <a href="${link(null)}">See the current version</a></p>` : null}
</nav>`;
}

/** Asks for the notes again from the stored transcript, with an optional instruction and model. */
function renderRegenerateForm(sessionId: string, token: string): SafeHtml {
  return html`<details id="regenerate"><summary>Regenerate the notes</summary>
<form id="regenerate-form" method="post" action="${`${sessionId}/regenerate?t=${encodeURIComponent(token)}`}">
<p><label for="regenerate-instruction">Instruction (optional)</label><br><textarea id="regenerate-instruction" name="instruction" maxlength="${NOTES_INSTRUCTION_MAX}" rows="2" placeholder="e.g. focus on engineering tasks, or: in German"></textarea></p>
<p><label for="regenerate-model">Model (optional)</label> <input id="regenerate-model" name="model" maxlength="200" autocomplete="off" placeholder="the configured one"></p>
<button type="submit">Regenerate</button>
</form></details>`;
}

/**
 * Each todo's "Edit" (an inline form) and "Remove" (which asks again before it removes). Without JavaScript
 * they post and the page comes back; the script saves them in place. The edit form carries the values it
 * shows (`seen_*`), so only what the person changes is saved (docs/architecture.md#todo-events).
 */
const todoActions = (sessionId: string, token: string): TodoActions => (todo, shownOwner) => {
  const path = `/${encodeURIComponent(todo.id)}`;
  const fields: Record<EditableField, string> = { task: todo.task, assignee: shownOwner, due: todo.due ?? '', priority: todo.priority };
  return html`<div class="todo-actions">
<details class="todo-edit"><summary>Edit<span class="visually-hidden"> “${todo.task}”</span></summary>
<form class="todo-edit-form" method="post" action="${todoAction(sessionId, token, `${path}/edit`)}">
${todoFields(`edit-${todo.id}`, fields)}
${EDITABLE_FIELDS.map((f) => html`<input type="hidden" name="${`seen_${f}`}" value="${fields[f]}">`)}
<button type="submit">Save</button>
<p class="todo-error" role="alert"></p>
</form>
</details>
<details class="todo-remove"><summary>Remove<span class="visually-hidden"> “${todo.task}”</span></summary>
<form class="todo-remove-form" method="post" action="${todoAction(sessionId, token, `${path}/remove`)}"><p>Remove this todo from the list? Its history keeps it.</p><button type="submit">Yes, remove it</button></form>
</details>
</div>`;
};

/** "Add a todo", under the list. */
function renderAddForm(sessionId: string, token: string): SafeHtml {
  return html`<details id="todo-add"><summary>Add a todo</summary>
<form id="todo-add-form" method="post" action="${todoAction(sessionId, token, '/add')}">
${todoFields('add', { task: '', assignee: '', due: '', priority: 'medium' })}
<button type="submit">Add</button>
<p class="todo-error" role="alert"></p>
</form>
</details>`;
}

/** A todo's text, owner (a name, or a speaker as shown, from the list), due date and priority, as form fields. */
function todoFields(prefix: string, values: Record<EditableField, string>): SafeHtml {
  const id = (field: string) => `${prefix}-${field}`;
  return html`<p class="field"><label for="${id('task')}">Text</label> <input id="${id('task')}" name="task" value="${values.task}" required maxlength="${NOTE_LIMITS.taskChars}" autocomplete="off"></p>
<p class="field"><label for="${id('assignee')}">Owner</label> <input id="${id('assignee')}" name="assignee" value="${values.assignee}" list="todo-owners" maxlength="${NOTE_LIMITS.labelChars}" autocomplete="off"></p>
<p class="field"><label for="${id('due')}">Due</label> <input id="${id('due')}" name="due" value="${values.due}" maxlength="${NOTE_LIMITS.labelChars}" placeholder="by Friday" autocomplete="off"></p>
<p class="field"><label for="${id('priority')}">Priority</label> <select id="${id('priority')}" name="priority">${PRIORITIES.map((p) => html`<option value="${p}"${p === values.priority ? html` selected` : null}>${p}</option>`)}</select></p>`;
}

/** The date, with the phrase it was read from as its title; the phrase alone when it names no date. */
function renderDue(due: ShownDue): SafeHtml {
  if (due.date === null) return html`due ${due.phrase}`;
  const overdue = due.overdue ? html` <strong class="overdue">overdue</strong>` : null;
  return html`<time datetime="${due.date}" title="${due.phrase}">due ${due.text}</time>${overdue}`;
}

function doneBy(todo: Todo): string {
  if (!todo.completed) return '';
  return todo.completed_by ? ` · ticked by ${todo.completed_by}` : ' · ticked';
}

/** Who last changed the todo by hand (handChange), after a separator. */
function changedBy(todo: Todo): string {
  const change = handChange(todo);
  return change ? ` · ${change}` : '';
}

function renderSegment(s: Segment, names: SpeakerNames, media: Media | null): SafeHtml {
  return html`<li class="segment" id="${`seg-${s.id}`}" data-start="${s.start}" data-end="${s.end}">${seekLink(media, s.start, formatTimestamp(s.start))} ${s.speaker ? renderSpeaker(s.speaker, names, 'speaker') : html`<span class="speaker"></span>`}<p>${s.text}</p></li>`;
}

/** A speaker's name, marked with its label and unnamed form so the script can rename it live. */
function renderSpeaker(label: string, names: SpeakerNames, className: string): SafeHtml {
  return html`<span class="${className}" data-speaker="${label}" data-unnamed="${speakerName(label)}">${speakerName(label, names)}</span>`;
}

/** The speakers the transcript tells apart, by label. */
const speakerLabels = (segments: Segment[]) => [...new Set(segments.flatMap((s) => (s.speaker ? [s.speaker] : [])))].sort();

/**
 * A small form per speaker of the transcript, to give it a name (empty: back to `Speaker n`). Without
 * JavaScript each form posts and the page comes back; the script saves it in place.
 */
function renderSpeakerForms(segments: Segment[], names: SpeakerNames, sessionId: string, token: string): SafeHtml | null {
  const labels = speakerLabels(segments);
  if (labels.length === 0) return null;
  const action = `${sessionId}/speakers?t=${encodeURIComponent(token)}`;
  return html`<details id="speakers"><summary>Name the speakers</summary><ul class="speakers">${labels.map((label) => {
    const id = `speaker-${label}`;
    return html`<li><form class="speaker-form" method="post" action="${action}"><label for="${id}">${speakerName(label)}</label> <input id="${id}" name="${label}" value="${Object.hasOwn(names, label) ? names[label] : ''}" maxlength="${MAX_SPEAKER_NAME}" placeholder="${speakerName(label)}" autocomplete="off"> <button type="submit">Save</button></form></li>`;
  })}</ul></details>`;
}
