import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Core } from '../core/app.js';
import type { ChatUser } from '../core/domain/chat-user.js';
import type { ProgressEvent } from '../core/domain/progress.js';
import { isFinal, type Session, type TranscriptionOptions } from '../core/domain/session.js';
import type { MediaSource } from '../core/ingest/ingest.service.js';
import { isAppError } from '../core/errors.js';
import { statusPageUrl } from '../core/links.js';
import type { StartedSession } from '../core/sessions/session.service.js';
import { TooManyActiveError } from '../core/sessions/too-many-active.js';
import { configuredModels } from '../core/models/index.js';
import type { CliIo } from './io.js';
import { modelsCommand } from './models.js';
import { formatProgress, formatResults, formatSession, sessionJson } from './format.js';

/** What the CLI uses of the core. */
export type CliDeps = Pick<Core, 'config' | 'log' | 'sessionService' | 'feed'>;

export const USAGE = `Usage:
  whisper-notes submit <file-or-url> [--wait] [--json] [--language xx] [--no-diarize]
                       [--min-speakers n] [--max-speakers n]
  whisper-notes status <session-id> [--json]
  whisper-notes cancel <session-id>
  whisper-notes delete <session-id>
  whisper-notes models pull | status`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Runs one CLI command against a wired core; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: string[], deps: CliDeps, io: CliIo, pollMs = 500): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      wait: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      language: { type: 'string' },
      'no-diarize': { type: 'boolean', default: false },
      'min-speakers': { type: 'string' },
      'max-speakers': { type: 'string' },
    },
  });
  const [command, target] = positionals;
  if (!command || !target) {
    io.err(USAGE);
    return 2;
  }
  switch (command) {
    case 'submit':
      return submit(deps, io, target, values, pollMs);
    case 'status':
      return status(deps, io, target, values.json);
    case 'cancel':
      return cancel(deps, io, target);
    case 'delete':
      return remove(deps, io, target);
    case 'models':
      return modelsCommand(target, configuredModels(deps.config, deps.log), io);
    default:
      io.err(`Unknown command "${command}".\n${USAGE}`);
      return 2;
  }
}

async function submit(
  deps: CliDeps,
  io: CliIo,
  target: string,
  flags: { wait: boolean; json: boolean; language?: string; 'no-diarize': boolean; 'min-speakers'?: string; 'max-speakers'?: string },
  pollMs: number,
): Promise<number> {
  const source = await sourceFor(target);
  if (typeof source === 'string') {
    io.err(source);
    return 1;
  }
  const options: Partial<TranscriptionOptions> = {
    language: flags.language ?? null,
    diarize: !flags['no-diarize'],
    minSpeakers: flags['min-speakers'] ? Number(flags['min-speakers']) : null,
    maxSpeakers: flags['max-speakers'] ? Number(flags['max-speakers']) : null,
  };
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

  const unsubscribe = flags.wait && !flags.json ? deps.feed.subscribe(session.id, (e: ProgressEvent) => io.err(formatProgress(e))) : () => {};
  try {
    let current = await uploaded;
    if (flags.wait) current = await waitForFinal(deps, current, pollMs);
    const results = current.status === 'COMPLETED' ? await deps.sessionService.results(current.id) : null;
    if (flags.json) io.out(JSON.stringify(sessionJson(current, results, pageOf(deps, current.id)), null, 2));
    else if (results) io.out(formatResults(results));
    if (current.status === 'FAILED' || current.status === 'CANCELLED') {
      if (!flags.json) io.err(current.status === 'FAILED' ? `Failed (${current.errorCode}): ${current.errorMessage}` : 'Cancelled.');
      return 1;
    }
    return 0;
  } finally {
    unsubscribe();
  }
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

async function status(deps: CliDeps, io: CliIo, id: string, json: boolean): Promise<number> {
  const session = UUID.test(id) ? await deps.sessionService.get(id) : null;
  if (!session) {
    io.err(`No session ${id}`);
    return 1;
  }
  const results = session.status === 'COMPLETED' ? await deps.sessionService.results(id) : null;
  if (json) io.out(JSON.stringify(sessionJson(session, results, pageOf(deps, session.id)), null, 2));
  else io.out([formatSession(session), results ? formatResults(results) : ''].filter(Boolean).join('\n'));
  return 0;
}

/** Whoever runs the CLI holds the service's credentials: an operator, who may cancel and delete anyone's session. */
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
