import { singleLine } from '../core/domain/display-name.js';
import type { MeetingEntry } from '../core/domain/meeting-entry.js';
import type { ProgressEvent } from '../core/domain/progress.js';
import type { Session } from '../core/domain/session.js';
import type { TodoChange } from '../core/db/todo-changes.repository.js';
import { EDITABLE_FIELDS, handChange, type EditableField } from '../core/domain/todo-edit.js';
import { speakerName, withSpeakerNames, type SpeakerNames } from '../core/domain/speaker-name.js';
import { droppedTodosSentence, shownDue, type Todo, type TodosDocument } from '../core/domain/todos.js';
import { formatTimestamp } from '../core/domain/transcript.js';
import type { SessionResults } from '../core/sessions/session.service.js';
import type { SearchHit } from '../core/domain/search.js';

// Text from people or from the LLM (file names, todos) reaches the terminal through singleLine(): an escape
// sequence in it could otherwise clear the screen, recolour it or rewrite what is shown.

export function formatProgress(e: ProgressEvent): string {
  const eta = e.etaSeconds != null ? `  ~${e.etaSeconds}s left` : '';
  return `[${String(Math.round(e.percent)).padStart(3)}%] ${e.stage.padEnd(10)} ${e.message}${eta}`;
}

export function formatSession(s: Session, statusPage: string | null): string {
  const lines = [
    `Session   ${s.id}`,
    `File      ${s.filename ? singleLine(s.filename) : '(unnamed)'}`,
    `Status    ${s.status} (${s.stage}, ${s.percent}%)`,
    `Created   ${s.createdAt.toISOString()}`,
  ];
  if (s.durationSeconds != null) lines.push(`Duration  ${Math.round(s.durationSeconds)} s`);
  if (s.errorCode) lines.push(`Error     ${s.errorCode}: ${s.errorMessage ?? ''}`);
  if (statusPage) lines.push(`Page      ${statusPage}`);
  return lines.join('\n');
}

/** `list`: one meeting a line (id, status, date, length, open todos, title), its page link below when there is one. */
export function formatMeetings(entries: readonly MeetingEntry[], pages: ReadonlyArray<string | null>): string {
  if (entries.length === 0) return 'No meetings.';
  return entries
    .flatMap((e, i) => {
      const s = e.session;
      const when = s.createdAt.toISOString().slice(0, 16).replace('T', ' ');
      const length = e.durationSeconds === null ? '--:--:--' : formatTimestamp(e.durationSeconds);
      const todos = e.openTodos === null ? '' : `${e.openTodos} open ${e.openTodos === 1 ? 'todo' : 'todos'}  `;
      const line = `${s.id}  ${s.status.padEnd(10)} ${when}  ${length}  ${todos}${singleLine(e.title)}`;
      return pages[i] ? [line, `    ${pages[i]}`] : [line];
    })
    .join('\n');
}

/** `list --json`: one meeting. */
export function meetingJson(e: MeetingEntry, statusPage: string | null) {
  return {
    id: e.session.id,
    title: e.title,
    status: e.session.status,
    createdAt: e.session.createdAt.toISOString(),
    durationSeconds: e.durationSeconds,
    openTodos: e.openTodos,
    statusPage,
  };
}

/**
 * The notes as the status page shows them (docs/architecture.md#the-web-server), as text; the transcript when
 * asked. Open todos due before `now`'s day are marked overdue.
 */
export function formatResults(r: SessionResults, withTranscript: boolean, now = new Date()): string {
  const out: string[] = [];
  if (r.versions.length > 1) out.push(versionLine(r));
  // Names are applied here, as on the page; the stored documents keep the labels (docs/architecture.md#stored-results).
  const named = (text: string) => singleLine(withSpeakerNames(text, r.speakers));
  const summary = r.summary?.summary ?? r.todos?.summary ?? '';
  if (summary) out.push('Summary', ...summary.split(/\n{2,}/).map((p) => `  ${named(p)}`));
  if (r.summary?.key_points.length) out.push('Key points', ...r.summary.key_points.map((k) => `  - ${named(k)}`));
  if (r.summary?.decisions.length) out.push('Decisions', ...r.summary.decisions.map((d) => `  - ${named(d)}`));
  if (r.todos) {
    const { todos } = r.todos;
    out.push(`Todos (${todos.filter((t) => t.completed).length} of ${todos.length} done)`);
    for (const t of todos) out.push(...formatTodo(t, r.todos, r.speakers, now));
    const dropped = droppedTodosSentence(r.todos);
    if (dropped) out.push(`  ${dropped}`);
  }
  if (withTranscript && r.transcript) {
    out.push('Transcript');
    if (r.transcript.speaker_note) out.push(`  (${singleLine(r.transcript.speaker_note)})`);
    for (const s of r.transcript.segments) {
      const speaker = s.speaker ? `${singleLine(speakerName(s.speaker, r.speakers))}: ` : '';
      out.push(`  [${formatTimestamp(s.start)}] ${speaker}${singleLine(s.text)}`);
    }
  }
  return out.join('\n');
}

/** Which version of the notes these are, and how it was asked for ("Notes: version 2 of 2, “in German” by Maria"). */
function versionLine({ version, versions }: SessionResults): string {
  const asked = versions.find((v) => v.version === version);
  const how = [asked?.instruction ? `“${singleLine(asked.instruction)}”` : null, asked?.model ? `with ${asked.model}` : null, asked?.requestedBy ? `by ${asked.requestedBy}` : null]
    .filter((part) => part !== null)
    .join(' ');
  return `Notes: version ${version} of ${versions.at(-1)!.version}${how ? `, ${how}` : ''}`;
}

/** A todo as `status` lists it: its id (what `todo <id> edit` takes), then its details and context. */
export function formatTodo(t: Todo, doc: TodosDocument, names: SpeakerNames, now: Date): string[] {
  const due = shownDue(t, doc, now);
  const details = [
    t.priority,
    t.assignee ? speakerName(t.assignee, names) : null,
    due ? `due ${due.text}` : null,
    due?.overdue ? 'OVERDUE' : null,
    t.timestamp,
    t.completed ? (t.completed_by ? `ticked by ${t.completed_by}` : 'ticked') : null,
    handChange(t),
  ].filter((d) => d !== null);
  const lines = [`  [${t.completed ? 'x' : ' '}] #${singleLine(t.id)} ${singleLine(t.task)}`, `      ${details.map(singleLine).join(' · ')}`];
  if (t.context) lines.push(`      ${singleLine(t.context)}`);
  return lines;
}

const FIELD_NAMES: Record<EditableField, string> = { task: 'text', assignee: 'owner', due: 'due', priority: 'priority' };

/** `todo <id> history`: one line per change, oldest first: when, who, and what changed. */
export function formatTodoHistory(changes: readonly TodoChange[], names: SpeakerNames): string {
  if (changes.length === 0) return 'Nobody has changed these todos yet.';
  const shown = (t: Todo, field: EditableField) => {
    const value = t[field];
    if (value === null) return 'none';
    return field === 'assignee' ? speakerName(value, names) : field === 'priority' ? value : `“${value}”`;
  };
  return changes
    .map((c) => {
      const todo = (c.after ?? c.before)!;
      let what = `${c.kind}${c.kind.endsWith('e') ? 'd' : 'ed'} #${todo.id} “${todo.task}”`;
      if (c.kind === 'edit' && c.before && c.after) {
        const { before, after } = c;
        const fields = EDITABLE_FIELDS.filter((f) => before[f] !== after[f]).map((f) => `${FIELD_NAMES[f]} ${shown(before, f)} → ${shown(after, f)}`);
        what = `edited #${todo.id}: ${fields.join(', ')}`;
      }
      return [c.at.toISOString(), singleLine(c.by ?? '(no name)'), singleLine(what)].join('  ');
    })
    .join('\n');
}

/** `speakers <id>`: each label of the transcript and what the notes call it. */
export function formatSpeakers(labels: string[], names: SpeakerNames): string {
  if (labels.length === 0) return 'No speakers were told apart in this meeting.';
  return labels.map((label) => `${label.padEnd(12)} ${singleLine(speakerName(label, names))}${Object.hasOwn(names, label) ? '' : ' (unnamed)'}`).join('\n');
}

/** The `--json` shape: the session row with its results (the transcript's segments when asked for). */
export type SessionJson = ReturnType<typeof sessionJson>;
export function sessionJson(s: Session, r: SessionResults | null, statusPage: string | null, withTranscript = false) {
  return {
    id: s.id,
    statusPage,
    status: s.status,
    stage: s.stage,
    percent: s.percent,
    filename: s.filename,
    durationSeconds: s.durationSeconds,
    language: s.language,
    error: s.errorCode ? { code: s.errorCode, message: s.errorMessage } : null,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    summary: r?.summary ?? null,
    todos: r?.todos ?? null,
    /** Names given to the speakers, by the label the todos' assignees and the transcript carry. */
    speakers: r?.speakers ?? {},
    /** The version of the notes `summary` and `todos` are, and every version there is (status --version n). */
    version: r?.version ?? null,
    versions: (r?.versions ?? []).map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })),
    ...(withTranscript ? { transcript: r?.transcript?.segments.map(({ start, end, speaker, text }) => ({ start, end, speaker: speaker ?? null, text })) ?? null } : {}),
  };
}

/**
 * A search's hits, best first: the meeting and the moment, the line as said (quoted, with its speaker), and
 * the page opened at that moment when the CLI knows page links.
 */
export function formatSearchHits(hits: SearchHit[], linkAt: (hit: SearchHit) => string | null): string {
  if (hits.length === 0) return 'No meeting says that.';
  return hits
    .map((hit) => {
      const at = hit.startSeconds === null ? hit.kind : formatTimestamp(hit.startSeconds);
      const said = `${hit.speaker ? `${singleLine(hit.speaker)}: ` : ''}"${singleLine(hit.text)}"`;
      const link = linkAt(hit);
      return [`${singleLine(hit.title)} · ${hit.session.id} · ${at}`, `  ${said}`, ...(link ? [`  ${link}`] : [])].join('\n');
    })
    .join('\n\n');
}
