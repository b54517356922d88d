import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '../core/app.js';
import type { ChatUser } from '../core/domain/chat-user.js';
import { singleLine } from '../core/domain/display-name.js';
import type { ProgressEvent } from '../core/domain/progress.js';
import { withOwnerFromShown } from '../core/domain/todo-edit.js';
import { isFinal, type Session } from '../core/domain/session.js';
import type { MediaSource } from '../core/ingest/ingest.service.js';
import { AppError, isAppError } from '../core/errors.js';
import { pageAtMoment, statusPageUrl } from '../core/links.js';
import type { SearchHit } from '../core/domain/search.js';
import type { ExportFile } from '../core/domain/exports/index.js';
import { AUTHORIZED, type RetryResult, type StartedSession } from '../core/sessions/session.service.js';
import { TooManyActiveError } from '../core/sessions/too-many-active.js';
import { configuredModels } from '../core/models/index.js';
import { parseCliArgs, USAGE, type CliCommand, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { modelsCommand } from './models.js';
import { formatMeetings, formatProgress, formatResults, formatSearchHits, formatSession, formatSpeakers, formatTodo, formatTodoHistory, meetingJson, sessionJson } from './format.js';

/** What the CLI uses of the core. */
export type CliDeps = Pick<Core, 'config' | 'log' | 'sessionService' | 'speakers' | 'notes' | 'todos' | 'feed'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Runs one CLI command line against a wired core; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: string[], deps: CliDeps, io: CliIo, pollMs = 500): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!('command' in parsed)) return answerWithoutCommand(parsed, io);
  return runCommand(parsed.command, deps, io, pollMs);
}

/** `help` prints the usage (exit 0); a command line that cannot run says why and where the usage is (exit 2). */
export function answerWithoutCommand(parsed: Exclude<ParsedArgs, { command: CliCommand }>, io: CliIo): number {
  if ('help' in parsed) {
    io.out(USAGE);
    return 0;
  }
  io.err(`${parsed.error}\nRun \`whisper-notes help\` to see the commands and options.`);
  return 2;
}

export async function runCommand(command: CliCommand, deps: CliDeps, io: CliIo, pollMs = 500): Promise<number> {
  switch (command.name) {
    case 'submit':
      return submit(deps, io, command, pollMs);
    case 'status':
      return status(deps, io, command);
    case 'cancel':
      return cancel(deps, io, command.id);
    case 'retry':
      return retry(deps, io, command.id);
    case 'regenerate':
      return regenerate(deps, io, command, pollMs);
    case 'list':
      return list(deps, io, command);
    case 'rename':
      return rename(deps, io, command);
    case 'delete':
      return remove(deps, io, command.id);
    case 'speakers':
      return speakers(deps, io, command);
    case 'todo':
      return todo(deps, io, command);
    case 'export':
      return exportCommand(deps, io, command);
    case 'search':
      return search(deps, io, command);
    case 'models':
      return modelsCommand(command.action, configuredModels(deps.config, deps.log), io);
  }
}

async function submit(deps: CliDeps, io: CliIo, flags: Extract<CliCommand, { name: 'submit' }>, pollMs: number): Promise<number> {
  const source = await sourceFor(flags.target);
  if (typeof source === 'string') {
    io.err(source);
    return 1;
  }
  const { options } = flags;
  let started: StartedSession;
  try {
    started = await deps.sessionService.start({
      user: cliUser(),
      origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
      source,
      options,
    });
  } catch (err) {
    if (source.kind === 'stream') source.body.destroy(); // never read
    // Refused before anything started (too many at once): the sentence says what to do.
    const refusal = err instanceof TooManyActiveError ? err.withHowToStopOne('or stop one with `whisper-notes cancel <id>`') : err;
    if (!isAppError(refusal)) throw refusal;
    io.err(`Refused (${refusal.code}): ${refusal.userMessage}`);
    return 1;
  }
  const { session, uploaded } = started;
  if (!flags.json) {
    io.out(session.id);
    const page = pageOf(deps, session.id);
    if (page) io.err(`Status page: ${page}`);
  }

  return report(deps, io, session.id, uploaded, flags, pollMs);
}

/**
 * What `submit` and `regenerate` print once their work is queued: with `--wait`, the progress on stderr until
 * the session ends; then the notes (or the session as JSON). Exit 1 when it failed or was cancelled.
 */
async function report(
  deps: CliDeps,
  io: CliIo,
  sessionId: string,
  queued: Promise<Session>,
  flags: { wait: boolean; json: boolean; transcript: boolean },
  pollMs: number,
): Promise<number> {
  const unsubscribe = flags.wait && !flags.json ? deps.feed.subscribe(sessionId, (e: ProgressEvent) => io.err(formatProgress(e))) : () => {};
  try {
    let current = await queued;
    if (flags.wait) current = await waitForFinal(deps, current, pollMs);
    const results = current.status === 'COMPLETED' ? await deps.sessionService.results(current.id) : null;
    if (flags.json) io.out(JSON.stringify(sessionJson(current, results, pageOf(deps, current.id), flags.transcript), null, 2));
    else if (results) io.out(formatResults(results, flags.transcript));
    if (current.status === 'FAILED' || current.status === 'CANCELLED') {
      if (!flags.json) io.err(current.status === 'FAILED' ? `Failed (${current.errorCode}): ${current.errorMessage}` : 'Cancelled.');
      return 1;
    }
    return 0;
  } finally {
    unsubscribe();
  }
}

/** Writes the notes again from the stored transcript (as the operator: anyone's session), as a new version. */
async function regenerate(deps: CliDeps, io: CliIo, flags: Extract<CliCommand, { name: 'regenerate' }>, pollMs: number): Promise<number> {
  const { id } = flags;
  let session: Session;
  try {
    session = await deps.notes.regenerate(id, { instruction: flags.instruction, model: flags.model }, cliUser().externalId);
  } catch (err) {
    if (!isAppError(err)) throw err;
    io.err(err.code === 'SESSION_NOT_FOUND' ? `No session ${id}` : `Not started (${err.code}): ${err.userMessage}`);
    return 1;
  }
  if (!flags.json) io.err(`Rewriting the notes of ${id}`);
  return report(deps, io, id, Promise.resolve(session), { ...flags, transcript: false }, pollMs);
}

/** The row is the truth; progress events only make waiting pleasant to watch. */
async function waitForFinal(deps: CliDeps, session: Session, pollMs: number): Promise<Session> {
  let current = session;
  while (!isFinal(current.status)) {
    await new Promise((r) => setTimeout(r, pollMs));
    current = (await deps.sessionService.get(current.id)) ?? current;
  }
  return current;
}

async function sourceFor(target: string): Promise<MediaSource | string> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return { kind: 'link', url: target };
  try {
    const info = await stat(target);
    if (!info.isFile()) return `Not a file: ${target}`;
    return { kind: 'stream', body: createReadStream(target), filename: path.basename(target), sizeBytes: info.size };
  } catch {
    return `No such file: ${target}`;
  }
}

async function status(deps: CliDeps, io: CliIo, { id, json, transcript, version }: Extract<CliCommand, { name: 'status' }>): Promise<number> {
  const session = UUID.test(id) ? await deps.sessionService.get(id) : null;
  if (!session) {
    io.err(`No session ${id}`);
    return 1;
  }
  let results = null;
  try {
    results = session.status === 'COMPLETED' ? await deps.sessionService.results(id, version ?? undefined) : null;
  } catch (err) {
    if (!(isAppError(err) && err.code === 'VERSION_NOT_FOUND')) throw err;
    io.err(err.userMessage);
    return 1;
  }
  const page = pageOf(deps, session.id);
  if (json) io.out(JSON.stringify(sessionJson(session, results, page, transcript), null, 2));
  else io.out([formatSession(session, page), results ? formatResults(results, transcript) : ''].filter(Boolean).join('\n'));
  return 0;
}

/** Every meeting (the operator's view), newest first, each with its status page link. */
async function list(deps: CliDeps, io: CliIo, { status, limit, json }: Extract<CliCommand, { name: 'list' }>): Promise<number> {
  const entries = await deps.sessionService.listMeetings({ status: status ?? undefined, limit });
  const pages = entries.map((e) => pageOf(deps, e.session.id));
  io.out(json ? JSON.stringify({ meetings: entries.map((e, i) => meetingJson(e, pages[i]!)) }, null, 2) : formatMeetings(entries, pages));
  return 0;
}

/** Gives a meeting a title (as the operator: anyone's session); an empty title goes back to the proposed one. */
async function rename(deps: CliDeps, io: CliIo, { id, title }: Extract<CliCommand, { name: 'rename' }>): Promise<number> {
  const result = UUID.test(id) ? await deps.sessionService.rename(id, title, AUTHORIZED, cliUser().externalId) : { outcome: 'not-found' as const };
  if (result.outcome !== 'renamed') {
    io.err(`No session ${id}`);
    return 1;
  }
  io.out(`${id} is now called “${singleLine(result.title)}”`);
  return 0;
}

/** Names the speakers (as the operator: anyone's session), then lists them as the notes now show them. */
async function speakers(deps: CliDeps, io: CliIo, { id, names, json }: Extract<CliCommand, { name: 'speakers' }>): Promise<number> {
  const session = UUID.test(id) ? await deps.sessionService.get(id) : null;
  if (!session) {
    io.err(`No session ${id}`);
    return 1;
  }
  if (Object.keys(names).length > 0) {
    try {
      await deps.speakers.nameSpeakers(id, names, cliUser().externalId);
    } catch (err) {
      if (!isAppError(err)) throw err;
      io.err(`Not named (${err.code}): ${err.userMessage}`);
      return 1;
    }
  }
  const { transcript, speakers: named } = await deps.sessionService.results(id);
  const labels = [...new Set(transcript?.segments.flatMap((s) => (s.speaker ? [s.speaker] : [])) ?? [])].sort();
  io.out(json ? JSON.stringify({ id, speakers: named }, null, 2) : formatSpeakers(labels, named));
  return 0;
}

/** Writes the meeting as a file (`-o`) or on stdout; a meeting without a transcript is refused with the service's sentence. */
async function exportCommand(deps: CliDeps, io: CliIo, { id, format, output }: Extract<CliCommand, { name: 'export' }>): Promise<number> {
  let file: ExportFile;
  try {
    if (!UUID.test(id)) throw new AppError('SESSION_NOT_FOUND', 'No such session.');
    file = await deps.sessionService.export(id, format, { pageUrl: pageOf(deps, id) });
  } catch (err) {
    if (!isAppError(err)) throw err;
    io.err(err.code === 'SESSION_NOT_FOUND' ? `No session ${id}` : `Not exported (${err.code}): ${err.userMessage}`);
    return 1;
  }
  if (output === null) io.out(file.body.replace(/\n$/, ''));
  else {
    await writeFile(output, file.body);
    io.err(`Wrote ${output}`);
  }
  return 0;
}

/** Searches every meeting (the operator's scope); an empty or overlong query is refused, exit 1. */
async function search(deps: CliDeps, io: CliIo, { words, limit, json }: Extract<CliCommand, { name: 'search' }>): Promise<number> {
  let hits: SearchHit[];
  try {
    hits = await deps.sessionService.search(words, { kind: 'all' }, limit);
  } catch (err) {
    if (!isAppError(err)) throw err;
    io.err(`Not searched (${err.code}): ${err.userMessage}`);
    return 1;
  }
  const linkAt = (hit: SearchHit) => {
    const page = pageOf(deps, hit.session.id);
    return page && pageAtMoment(page, hit.startSeconds);
  };
  if (!json) io.out(formatSearchHits(hits, linkAt));
  else {
    const found = hits.map((hit) => ({
      sessionId: hit.session.id,
      title: hit.title,
      filename: hit.session.filename,
      kind: hit.kind,
      segmentId: hit.segmentId,
      startSeconds: hit.startSeconds,
      speaker: hit.speaker,
      text: hit.text,
      rank: hit.rank,
      link: linkAt(hit),
    }));
    io.out(JSON.stringify({ query: words, hits: found }, null, 2));
  }
  return 0;
}

/**
 * Edits, adds or removes a todo (as the operator, named as the CLI's user, with no `seen`: it sets what it is
 * told), then shows it; or prints the todos' history. An owner typed as a speaker is shown is stored as the label.
 */
async function todo(deps: CliDeps, io: CliIo, command: Extract<CliCommand, { name: 'todo' }>): Promise<number> {
  const { id } = command;
  const session = UUID.test(id) ? await deps.sessionService.get(id) : null;
  if (!session) {
    io.err(`No session ${id}`);
    return 1;
  }
  const service = deps.todos.service;
  const by = cliUser().externalId;
  try {
    if (command.action === 'history') {
      const changes = await service.history(id);
      io.out(command.json ? JSON.stringify({ id, changes }, null, 2) : formatTodoHistory(changes, await deps.speakers.names(id)));
      return 0;
    }
    if (command.action === 'remove') {
      const removed = await service.remove(id, command.todoId, by);
      io.out(command.json ? JSON.stringify({ id, removed }, null, 2) : `Removed todo #${removed.id}; \`todo ${id} history\` keeps it.`);
      return 0;
    }
    const names = await deps.speakers.names(id);
    const changed =
      command.action === 'edit'
        ? await service.edit(id, command.todoId, withOwnerFromShown(command.patch, names), by)
        : await service.add(id, { ...withOwnerFromShown(command.fields, names), task: command.fields.task }, by);
    const { todos } = await deps.sessionService.results(id);
    io.out(command.json ? JSON.stringify({ id, todo: changed }, null, 2) : formatTodo(changed, todos!, names, new Date()).join('\n'));
    return 0;
  } catch (err) {
    if (!isAppError(err)) throw err;
    io.err(`Not changed (${err.code}): ${err.userMessage}`);
    return 1;
  }
}

/** Whoever runs the CLI holds the service's credentials: an operator, who may cancel, retry and delete anyone's session. */
const OPERATOR = true;

async function cancel(deps: CliDeps, io: CliIo, id: string): Promise<number> {
  const result = UUID.test(id) ? await deps.sessionService.cancel(id, cliUser(), OPERATOR) : { outcome: 'not-found' as const };
  if (result.outcome === 'cancelled') {
    io.out(`Cancelled ${id}`);
    return 0;
  }
  io.err(result.outcome === 'finished' ? `Session ${id} has already ended (${result.session.status}); nothing to cancel` : `No session ${id}`);
  return 1;
}

/** Why a retry started nothing, as a sentence. */
function notRetried(id: string, result: Exclude<RetryResult, { outcome: 'retried' }>): string {
  switch (result.outcome) {
    case 'not-found':
      return `No session ${id}`;
    case 'forbidden':
      return `Session ${id} is not yours to retry`;
    case 'not-failed':
      return `Session ${id} has not failed (${result.session.status}); nothing to retry`;
    case 'no-recording':
      return `Session ${id} never finished uploading, so nothing is stored to start again from; submit the recording again`;
    case 'too-many-active':
      return `Refused (TOO_MANY_ACTIVE): ${result.error.userMessage}`;
  }
}

async function retry(deps: CliDeps, io: CliIo, id: string): Promise<number> {
  const result = UUID.test(id) ? await deps.sessionService.retry(id, AUTHORIZED) : { outcome: 'not-found' as const };
  if (result.outcome === 'retried') {
    io.out(result.resumesFrom === 'todos' ? `Retrying ${id} from its stored transcript` : `Retrying ${id} from its recording`);
    return 0;
  }
  io.err(notRetried(id, result));
  return 1;
}

/** The session's signed status-page link, when this process knows the link secret. */
function pageOf(deps: CliDeps, id: string): string | null {
  const { linkSecret, publicBaseUrl } = deps.config.web;
  return linkSecret ? statusPageUrl(publicBaseUrl, id, linkSecret) : null;
}

function cliUser(): ChatUser {
  return { platform: 'cli', workspaceId: os.hostname(), externalId: os.userInfo().username };
}

async function remove(deps: CliDeps, io: CliIo, id: string): Promise<number> {
  const result = UUID.test(id) ? await deps.sessionService.delete(id, cliUser(), OPERATOR) : { outcome: 'not-found' as const };
  if (result.outcome !== 'deleted') {
    io.err(`No session ${id}`);
    return 1;
  }
  io.out(`Deleted ${id}`);
  return 0;
}
