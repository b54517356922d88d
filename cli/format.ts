import { singleLine } from '../core/domain/display-name.js';
import type { ProgressEvent } from '../core/domain/progress.js';
import type { Session } from '../core/domain/session.js';
import type { SessionResults } from '../core/sessions/session.service.js';

// Text from people or from the LLM (file names, todos) reaches the terminal through singleLine(): an escape
// sequence in it could otherwise clear the screen, recolour it or rewrite what is shown.

export function formatProgress(e: ProgressEvent): string {
  const eta = e.etaSeconds != null ? `  ~${e.etaSeconds}s left` : '';
  return `[${String(Math.round(e.percent)).padStart(3)}%] ${e.stage.padEnd(10)} ${e.message}${eta}`;
}

export function formatSession(s: Session): string {
  const lines = [
    `Session   ${s.id}`,
    `File      ${s.filename ? singleLine(s.filename) : '(unnamed)'}`,
    `Status    ${s.status} (${s.stage}, ${s.percent}%)`,
    `Created   ${s.createdAt.toISOString()}`,
  ];
  if (s.durationSeconds != null) lines.push(`Duration  ${Math.round(s.durationSeconds)} s`);
  if (s.errorCode) lines.push(`Error     ${s.errorCode}: ${s.errorMessage ?? ''}`);
  return lines.join('\n');
}

export function formatResults(r: SessionResults): string {
  const out: string[] = [];
  if (r.summary) {
    out.push('Summary', `  ${singleLine(r.summary.summary)}`);
    if (r.summary.decisions.length) out.push('Decisions', ...r.summary.decisions.map((d) => `  - ${singleLine(d)}`));
  }
  if (r.todos) {
    out.push(`Todos (${r.todos.todos.length})`);
    for (const t of r.todos.todos) {
      const who = t.assignee ? ` — ${singleLine(t.assignee)}` : '';
      out.push(`  [${t.completed ? 'x' : ' '}] ${singleLine(t.task)} (${[t.priority, t.timestamp].filter(Boolean).join(', ')})${who}`);
    }
  }
  return out.join('\n');
}

/** The `--json` shape: the session row with its results. */
export type SessionJson = ReturnType<typeof sessionJson>;
export function sessionJson(s: Session, r: SessionResults | null, statusPage: string | null) {
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
  };
}
