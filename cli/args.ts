import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, isExportFormat, type ExportFormat } from '../core/domain/exports/index.js';
import { languageCode } from '../core/domain/language.js';
import { MAX_SEARCH_HITS } from '../core/domain/search.js';
import { SESSION_STATUSES, type SessionStatus, type TranscriptionOptions } from '../core/domain/session.js';
import type { TodoFields, TodoPatch } from '../core/domain/todo-edit.js';
import { PRIORITIES, type Priority } from '../core/domain/todos.js';

export const USAGE = `Usage:
  whisper-notes submit <file-or-url> [--wait] [--json] [--transcript] [--language en]
                       [--no-diarize] [--min-speakers n] [--max-speakers n]
  whisper-notes status <session-id> [--json] [--transcript] [--version n]
                                       --version: an earlier version of the notes
  whisper-notes list [--status S] [--limit n] [--json]
                                       every meeting, newest first (default 20): title, date, length,
                                       status, open todos, page link
  whisper-notes rename <session-id> <title...>
                                       give the meeting a title (an empty one: the proposed title again)
  whisper-notes cancel <session-id>
  whisper-notes retry <session-id>     try a failed session again, from what it stored
  whisper-notes regenerate <session-id> [--instruction TEXT] [--model NAME] [--wait] [--json]
                                       write the notes again from the transcript, as a new version
  whisper-notes delete <session-id>
  whisper-notes speakers <session-id> [SPEAKER_01=Maria ...] [--json]
                                       name the speakers (an empty name clears one); alone, list them
  whisper-notes export <session-id> [--format md|txt|srt|vtt|json] [-o file]
                                       the notes as a file (default md), on stdout unless -o
  whisper-notes todo <session-id> edit <todo-id> [--text T] [--owner O] [--due D] [--priority P]
  whisper-notes todo <session-id> add <text...> [--owner O] [--due D] [--priority P]
  whisper-notes todo <session-id> remove <todo-id>
  whisper-notes todo <session-id> history [--json]
                                       change a meeting's todos (ids as \`status\` shows them: #3);
                                       history: who changed what, and when
  whisper-notes search <words...> [--limit n] [--json]
                                       search every meeting's transcript, summary and todos
                                       ("a phrase", or; after --, -word leaves a word out)
  whisper-notes models pull | status
  whisper-notes help

  --wait          wait for the notes and show progress on the way
  --json          print one JSON document on stdout (nothing else goes there)
  --transcript    include the transcript, with times and speakers
  --language      the spoken language: an ISO 639-1 code (en, de) or its English name
  --no-diarize    do not tell speakers apart
  --min-speakers, --max-speakers   how many people speak, when known
  --instruction   what the new notes should do differently ("focus on engineering tasks", "in German")
  --model         the LLM model to write them with, instead of the configured one
  --limit         how many lines search shows (default 10, at most 50)
  --text, --owner, --due, --priority   a todo's text, owner (a name, or a speaker as shown: "Speaker 2"),
                  due date ("by Friday", "2026-12-11") and priority (high, medium, low); an empty
                  owner or due date clears it`;

export type CliCommand =
  | { name: 'submit'; target: string; wait: boolean; json: boolean; transcript: boolean; options: Partial<TranscriptionOptions> }
  /** `version` null: the current notes. */
  | { name: 'status'; id: string; json: boolean; transcript: boolean; version: number | null }
  | { name: 'regenerate'; id: string; instruction: string | null; model: string | null; wait: boolean; json: boolean }
  | { name: 'cancel' | 'retry' | 'delete'; id: string }
  | { name: 'list'; status: SessionStatus | null; limit: number; json: boolean }
  | { name: 'rename'; id: string; title: string }
  /** `names` empty: list the names. A null name returns the label to `Speaker n`. */
  | { name: 'speakers'; id: string; names: Record<string, string | null>; json: boolean }
  /** `output` null: stdout. */
  | { name: 'export'; id: string; format: ExportFormat; output: string | null }
  | ({ name: 'todo'; id: string; json: boolean } & TodoAction)
  | { name: 'search'; words: string; limit: number; json: boolean }
  | { name: 'models'; action: string };

/** What `todo <session-id>` does to the meeting's todos. */
export type TodoAction =
  | { action: 'edit'; todoId: string; patch: TodoPatch }
  | { action: 'add'; fields: Pick<TodoFields, 'task'> & TodoPatch }
  | { action: 'remove'; todoId: string }
  | { action: 'history' };

/** A command to run, a request for the usage text, or why the command line cannot be run (exit 2). */
export type ParsedArgs = { command: CliCommand } | { help: true } | { error: string };

const OPTIONS = {
  help: { type: 'boolean', short: 'h', default: false },
  wait: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  transcript: { type: 'boolean', default: false },
  language: { type: 'string' },
  'no-diarize': { type: 'boolean', default: false },
  'min-speakers': { type: 'string' },
  'max-speakers': { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  instruction: { type: 'string' },
  model: { type: 'string' },
  version: { type: 'string' },
  text: { type: 'string' },
  owner: { type: 'string' },
  due: { type: 'string' },
  priority: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
} as const;

/**
 * The commands; each takes one argument, but `speakers` also takes the names to give, `todo` what to do,
 * `rename` the title's words and `search` the words to find; `list` takes none.
 */
const COMMANDS = ['submit', 'status', 'list', 'cancel', 'retry', 'regenerate', 'rename', 'delete', 'speakers', 'todo', 'export', 'search', 'models'] as const;
const TAKES_MORE: ReadonlyArray<string> = ['speakers', 'todo', 'rename', 'search'];
/** How many meetings `list` shows unless told, and at most. */
const LIST_LIMIT = { default: 20, max: 1000 };
/** `SPEAKER_01=Maria`: a label, then the name (empty to clear it). */
const NAMING = /^([^=\s]+)=(.*)$/s;

/** Reads the command line without touching anything: every value is checked here, before a session exists. */
export function parseCliArgs(argv: string[]): ParsedArgs {
  const unknown = unknownOption(argv);
  if (unknown) return { error: unknown };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    // Node's own sentences (a missing value, `--wait=yes`), without its advice on positionals.
    return { error: (err as Error).message.replace(/ To specify a positional argument.*$/s, '') };
  }
  const { values, positionals } = parsed;
  const [name, ...args] = positionals;
  if (values.help || name === 'help') return { help: true };
  if (!name) return { error: 'No command given.' };
  if (!isCommand(name)) return { error: `Unknown command "${name}".${didYouMean(name, [...COMMANDS, 'help'])}` };
  const command = name;
  if (command === 'list') return listCommand(args, values);
  const [arg, ...rest] = args;
  if (command === 'search' && arg === undefined) return { error: 'Give the words to search for: whisper-notes search <words...>.' };
  if (arg === undefined || (rest.length > 0 && !TAKES_MORE.includes(command))) return { error: `"${command}" takes one argument, got ${args.length}.` };
  switch (command) {
    case 'submit': {
      const options = transcriptionOptions(values);
      if (typeof options === 'string') return { error: options };
      return { command: { name: 'submit', target: arg, wait: values.wait, json: values.json, transcript: values.transcript, options } };
    }
    case 'status': {
      const version = values.version === undefined ? null : /^\s*\d{1,6}\s*$/.test(values.version) && Number(values.version) >= 1 ? Number(values.version) : NaN;
      if (Number.isNaN(version)) return { error: `--version must be a whole number of at least 1, not "${values.version}".` };
      return { command: { name: 'status', id: arg, json: values.json, transcript: values.transcript, version } };
    }
    case 'regenerate':
      return { command: { name: 'regenerate', id: arg, instruction: values.instruction ?? null, model: values.model ?? null, wait: values.wait, json: values.json } };
    case 'speakers':
      return speakersCommand(arg, rest, values.json);
    case 'todo':
      return todoCommand(arg, rest, values);
    case 'export': {
      const format = values.format ?? 'md';
      if (!isExportFormat(format)) return { error: `--format "${format}" is not one we write: use ${EXPORT_FORMATS.join(', ')}.` };
      return { command: { name: 'export', id: arg, format, output: values.output ?? null } };
    }
    case 'search': {
      const limit = values.limit === undefined ? 10 : /^\s*\d{1,2}\s*$/.test(values.limit) && Number(values.limit) >= 1 && Number(values.limit) <= MAX_SEARCH_HITS ? Number(values.limit) : NaN;
      if (Number.isNaN(limit)) return { error: `--limit must be a whole number from 1 to ${MAX_SEARCH_HITS}, not "${values.limit}".` };
      return { command: { name: 'search', words: [arg, ...rest].join(' '), limit, json: values.json } };
    }
    case 'models':
      return { command: { name: 'models', action: arg } };
    case 'rename':
      return { command: { name: 'rename', id: arg, title: rest.join(' ') } };
    default:
      return { command: { name: command, id: arg } };
  }
}

function listCommand(args: string[], values: { status?: string; limit?: string; json: boolean }): ParsedArgs {
  if (args.length > 0) return { error: `"list" takes no argument, got ${args.length}.` };
  const status = values.status?.toUpperCase() ?? null;
  if (status !== null && !isStatus(status)) return { error: `--status is one of ${SESSION_STATUSES.join(', ')}, not "${values.status}".` };
  const limit = values.limit === undefined ? LIST_LIMIT.default : /^\s*\d{1,4}\s*$/.test(values.limit) ? Number(values.limit) : NaN;
  if (!(limit >= 1 && limit <= LIST_LIMIT.max)) return { error: `--limit must be a whole number from 1 to ${LIST_LIMIT.max}, not "${values.limit}".` };
  return { command: { name: 'list', status, limit, json: values.json } };
}

const isStatus = (value: string): value is SessionStatus => (SESSION_STATUSES as readonly string[]).includes(value);

function speakersCommand(id: string, namings: string[], json: boolean): ParsedArgs {
  const names: Record<string, string | null> = {};
  for (const naming of namings) {
    const m = NAMING.exec(naming);
    if (!m) return { error: `"${naming}" is not a naming: write the label, an equals sign and the name, as in SPEAKER_01=Maria.` };
    names[m[1]!] = m[2] || null;
  }
  return { command: { name: 'speakers', id, names, json } };
}

const TODO_USAGE = 'write edit <todo-id>, add <text>, remove <todo-id> or history after the session id, as in: whisper-notes todo <session-id> edit 3 --owner Maria';

function todoCommand(id: string, args: string[], values: { json: boolean; text?: string; owner?: string; due?: string; priority?: string }): ParsedArgs {
  const [action, ...rest] = args;
  const patch = todoOptions(values);
  if (typeof patch === 'string') return { error: patch };
  const json = values.json;
  switch (action) {
    case 'edit':
      if (rest.length !== 1) return { error: `"todo ... edit" takes one todo id, got ${rest.length}.` };
      if (Object.keys(patch).length === 0) return { error: 'Say what to change: --text, --owner, --due or --priority.' };
      return { command: { name: 'todo', id, json, action, todoId: rest[0]!, patch } };
    case 'add': {
      const task = rest.length > 0 ? rest.join(' ') : patch.task;
      if (task === undefined) return { error: 'Give the new todo\'s text after "add".' };
      return { command: { name: 'todo', id, json, action, fields: { ...patch, task } } };
    }
    case 'remove':
      if (rest.length !== 1) return { error: `"todo ... remove" takes one todo id, got ${rest.length}.` };
      return { command: { name: 'todo', id, json, action, todoId: rest[0]! } };
    case 'history':
      if (rest.length !== 0) return { error: '"todo ... history" takes nothing more.' };
      return { command: { name: 'todo', id, json, action } };
    default:
      return { error: `"todo" needs what to do: ${TODO_USAGE}.` };
  }
}

/** The todo fields given as options; a priority we do not know is refused here, before anything is touched. */
function todoOptions(values: { text?: string; owner?: string; due?: string; priority?: string }): TodoPatch | string {
  const patch: TodoPatch = {};
  if (values.text !== undefined) patch.task = values.text;
  if (values.owner !== undefined) patch.assignee = values.owner;
  if (values.due !== undefined) patch.due = values.due;
  if (values.priority !== undefined) {
    if (!isPriority(values.priority)) return `--priority is one of ${PRIORITIES.join(', ')}, not "${values.priority}".`;
    patch.priority = values.priority;
  }
  return patch;
}

const isPriority = (value: string): value is Priority => (PRIORITIES as readonly string[]).includes(value);

function transcriptionOptions(values: { language?: string; 'no-diarize': boolean; 'min-speakers'?: string; 'max-speakers'?: string }): Partial<TranscriptionOptions> | string {
  let language: string | null = null;
  if (values.language !== undefined) {
    language = languageCode(values.language);
    if (!language) return `--language "${values.language}" is not a language we know: give an ISO 639-1 code such as en or de, or a name such as English.`;
  }
  const minSpeakers = speakerCount(values['min-speakers']);
  const maxSpeakers = speakerCount(values['max-speakers']);
  if (Number.isNaN(minSpeakers)) return `--min-speakers must be a whole number of at least 1, not "${values['min-speakers']}".`;
  if (Number.isNaN(maxSpeakers)) return `--max-speakers must be a whole number of at least 1, not "${values['max-speakers']}".`;
  if (minSpeakers !== null && maxSpeakers !== null && minSpeakers > maxSpeakers) return `--min-speakers (${minSpeakers}) is more than --max-speakers (${maxSpeakers}).`;
  return { language, diarize: !values['no-diarize'], minSpeakers, maxSpeakers };
}

/** null when not given, NaN when not a count of people. */
function speakerCount(value: string | undefined): number | null {
  if (value === undefined) return null;
  return /^\s*\d{1,3}\s*$/.test(value) && Number(value) >= 1 ? Number(value) : NaN;
}

/** The first option on the command line that the CLI does not know, as a sentence; null when all are known. */
function unknownOption(argv: string[]): string | null {
  const { tokens } = parseArgs({ args: argv, allowPositionals: true, strict: false, tokens: true, options: OPTIONS });
  const known = Object.entries(OPTIONS).flatMap(([name, o]) => ('short' in o ? [name, o.short] : [name]));
  const token = tokens.find((t) => t.kind === 'option' && !known.includes(t.name));
  if (!token || token.kind !== 'option') return null;
  const longNames = Object.keys(OPTIONS).map((n) => `--${n}`);
  return `Unknown option ${token.rawName}.${didYouMean(token.rawName, longNames)}`;
}

const isCommand = (name: string): name is (typeof COMMANDS)[number] => (COMMANDS as readonly string[]).includes(name);

/** ` Did you mean --wait?` when `typed` is a slip of one known word (at most two letters off); else nothing. */
function didYouMean(typed: string, known: string[]): string {
  const best = known.map((word) => ({ word, distance: editDistance(typed, word) })).sort((a, b) => a.distance - b.distance)[0];
  return best && best.distance <= 2 ? ` Did you mean ${best.word}?` : '';
}

/** Levenshtein distance, with a swap of two neighbouring letters counted as one edit (`--wiat`). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
