import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The import graph of the production code (docs/architecture.md#layers): no cycles, no arrow from a lower
 * layer to a higher one, every file in a layer, and no test code in what ships.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PRODUCTION_DIRS = ['core', 'bot', 'processor', 'web', 'cli', 'all', 'migrations'];

/**
 * Lowest first; a file may import from its own layer and those below. A file belongs to the longest entry
 * that matches it: the file itself, or a folder (`dir/`) it is in.
 */
const LAYERS: ReadonlyArray<{ name: string; paths: string[] }> = [
  { name: 'domain', paths: ['core/domain/', 'core/errors.ts', 'core/json.ts'] },
  { name: 'foundation', paths: ['core/config.ts', 'core/logger.ts', 'core/quiet-warnings.ts', 'core/links.ts', 'core/link-secret.ts', 'core/data-dir.ts', 'core/listen.ts'] },
  {
    name: 'adapters',
    paths: [
      'core/db/',
      // The schema the database adapter applies when it opens (core/db/knex.ts runs them).
      'migrations/',
      'core/storage/',
      'core/queue/',
      'core/progress/',
      'core/media/',
      'core/models/',
      'core/ingest/',
      // Where a data directory's status-page server is reached (beside the database's advert).
      'core/web-advert.ts',
      'processor/engines/',
    ],
  },
  { name: 'services', paths: ['core/sessions/', 'core/todos/', 'core/ingest/ingest.service.ts', 'processor/jobs/'] },
  { name: 'app', paths: ['core/app.ts', 'core/engines.ts', 'core/health.ts'] },
  { name: 'run-role', paths: ['core/run-role.ts', 'core/run-main.ts'] },
  {
    name: 'roles',
    paths: [
      'bot/',
      'web/',
      'cli/',
      'all/',
      'processor/processor.ts',
      'processor/main.ts',
      // Builds the processor's engines from the configuration: wiring, beside the role that uses it.
      'processor/engines/index.ts',
      // `npm run migrate`: an entry point of its own.
      'core/db/migrate.ts',
    ],
  },
];

interface Graph {
  files: string[];
  /** Production file → production files it imports (repository-relative, `/`-separated). */
  edges: Map<string, string[]>;
  /** Production file → specifiers it imports that are test code. */
  testImports: Map<string, string[]>;
}

function productionFiles(): string[] {
  return PRODUCTION_DIRS.flatMap((dir) =>
    readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .map((file) => `${dir}/${file.split(path.sep).join('/')}`)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts')),
  ).sort();
}

const isTestCode = (specifier: string, target: string | null) =>
  /^(@?vitest)(\/|$)/.test(specifier) || (target !== null && target.startsWith('test/'));

/** Static imports and re-exports, `import type`, and `import('…')` with a string literal. */
function importGraph(): Graph {
  const files = productionFiles();
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  const testImports = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const targets = new Set<string>();
    const tests: string[] = [];
    for (const { fileName: specifier } of importedFiles) {
      // NodeNext: relative specifiers name the emitted `.js`; the source beside it is `.ts`.
      const target = specifier.startsWith('.') ? path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '.ts') : null;
      if (isTestCode(specifier, target)) tests.push(specifier);
      else if (target !== null && known.has(target)) targets.add(target);
    }
    edges.set(file, [...targets].sort());
    if (tests.length > 0) testImports.set(file, tests);
  }
  return { files, edges, testImports };
}

function matches(entry: string, file: string): boolean {
  return entry.endsWith('/') ? file.startsWith(entry) : file === entry;
}

function layerOf(file: string): number | undefined {
  let best: { rank: number; length: number } | undefined;
  LAYERS.forEach(({ paths }, rank) => {
    for (const entry of paths) {
      if (matches(entry, file) && (!best || entry.length > best.length)) best = { rank, length: entry.length };
    }
  });
  return best?.rank;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function tangledGroups(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.edges.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member);
      group.push(member);
      if (member === file) break;
    }
    if (group.length > 1 || graph.edges.get(file)!.includes(file)) groups.push(group.sort());
  };
  for (const file of graph.files) if (!index.has(file)) visit(file);
  return groups;
}

/** The shortest way from `file` back to itself inside `group`, as `a → b → a`. */
function shortestCycle(graph: Graph, group: Set<string>, file: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [file];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i]!;
    for (const next of graph.edges.get(at) ?? []) {
      if (!group.has(next) || cameFrom.has(next)) continue;
      cameFrom.set(next, at);
      if (next === file) {
        const cycle = [file];
        for (let step = cameFrom.get(file)!; step !== file; step = cameFrom.get(step)!) cycle.unshift(step);
        return [file, ...cycle];
      }
      queue.push(next);
    }
  }
  throw new Error(`${file} is in a cycle but has no way back to itself`);
}

/** One shortest cycle through each file of each tangled group, each written once. */
function cycles(graph: Graph): string[] {
  const seen = new Set<string>();
  for (const group of tangledGroups(graph)) {
    const members = new Set(group);
    for (const file of group) {
      const cycle = shortestCycle(graph, members, file).slice(0, -1);
      // The same cycle found from another of its files: written from its first file in sort order.
      const start = cycle.indexOf([...cycle].sort()[0]!);
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
      seen.add([...rotated, rotated[0]].join(' → '));
    }
  }
  return [...seen].sort();
}

describe('the production import graph', () => {
  const graph = importGraph();

  it('has no cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has every file in a layer, and no layer entry that matches nothing', () => {
    expect(graph.files.filter((file) => layerOf(file) === undefined)).toEqual([]);
    const entries = LAYERS.flatMap(({ paths }) => paths);
    expect(entries.filter((entry) => !graph.files.some((file) => matches(entry, file)))).toEqual([]);
  });

  it('has no arrow from a lower layer to a higher one', () => {
    const upward = [...graph.edges].flatMap(([from, targets]) =>
      targets
        .filter((to) => (layerOf(to) ?? -1) > (layerOf(from) ?? Infinity))
        .map((to) => `${from} (${LAYERS[layerOf(from)!]!.name}) → ${to} (${LAYERS[layerOf(to)!]!.name})`),
    );
    expect(upward).toEqual([]);
  });

  it('imports neither vitest nor anything under test/', () => {
    expect(Object.fromEntries(graph.testImports)).toEqual({});
  });
});

describe('the cycle finder', () => {
  it('writes each cycle once, from its first file', () => {
    const edges = new Map([
      ['b', ['a', 'c']],
      ['a', ['b']],
      ['c', ['c', 'd']],
      ['d', []],
    ]);
    expect(cycles({ files: [...edges.keys()], edges, testImports: new Map() })).toEqual(['a → b → a', 'c → c']);
  });
});
