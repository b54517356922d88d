import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { DEFAULT_HEALTH_PORTS, loadConfig } from '../../core/config.js';

/**
 * docker-compose.yml and the Dockerfiles, checked without a Docker engine: every variable a service is given
 * is one its program reads, with a value it accepts; every build input exists; every long-running service
 * has a health check on the port it serves; dependencies, volumes and published ports hold together.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), dockerfile: z.string().optional(), args: z.record(z.string(), z.string()).optional() }).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  env_file: z.array(z.object({ path: z.string(), required: z.boolean() })).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
  ports: z.array(z.string()).optional(),
  expose: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  restart: z.string().optional(),
  profiles: z.array(z.string()).optional(),
  networks: z.record(z.string(), z.object({ aliases: z.array(z.string()).optional() })).optional(),
  deploy: z.unknown().optional(),
});
type Service = z.infer<typeof serviceSchema>;

/** Compose's interpolation of every string value with no variable set: `${VAR:-default}` gives the default. */
function interpolate(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::?-([^}]*))?\}/g, (match, _name, fallback?: string) => (match === '$$' ? '$' : (fallback ?? '')));
  }
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  return value;
}

const compose = z
  .object({ services: z.record(z.string(), serviceSchema), volumes: z.record(z.string(), z.null()) })
  .parse(interpolate(parse(read('docker-compose.yml'), { merge: true })));
const services = Object.entries(compose.services);
const service = (name: string): Service => compose.services[name] ?? expect.unreachable(`no service ${name}`);

const NODE_DOCKERFILE = 'docker/Dockerfile';
const nodeServices = services.filter(([, s]) => s.build?.dockerfile === NODE_DOCKERFILE);
const whisperxServices = services.filter(([, s]) => s.build?.context === 'docker/whisperx');
const longRunning = services.filter(([, s]) => s.restart !== 'no');

/** The variables core/config.ts reads: the keys of its environment schema. */
const configVariables = (() => {
  const source = read('core/config.ts');
  const schema = /const envSchema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(source)?.[1] ?? '';
  return new Set([...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!));
})();

/** The variables the WhisperX worker reads (docker/whisperx/settings.py). */
const workerVariables = new Set([...read('docker/whisperx/settings.py').matchAll(/"([A-Z][A-Z0-9_]+)"/g)].map((m) => m[1]!));

interface Instruction {
  keyword: string;
  args: string[];
}

/** Instructions of a Dockerfile, continuation lines joined, comments dropped, exec-form arrays unwrapped. */
function dockerfile(file: string): Instruction[] {
  const lines = read(file).split('\n').filter((l) => !/^\s*#/.test(l));
  return lines
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.trim().split(/\s+/);
      const text = rest.join(' ');
      const args = text.startsWith('[') ? z.array(z.string()).parse(JSON.parse(text)) : rest;
      return { keyword: keyword.toUpperCase(), args };
    });
}

function dockerfileOf(s: Service): string {
  return path.join(s.build!.context, s.build!.dockerfile ?? 'Dockerfile');
}

const hasHealthcheck = (s: Service) =>
  s.healthcheck !== undefined || (s.build !== undefined && dockerfile(dockerfileOf(s)).some((i) => i.keyword === 'HEALTHCHECK'));

/** The file a Node service runs: `node --import tsx <entry>`. */
function entryOf(s: Service): string {
  const command = s.command ?? [];
  expect(command.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
  return command[3]!;
}

describe('docker-compose.yml', () => {
  it('runs the whole product', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['bot', 'migrate', 'minio', 'postgres', 'processor', 'processor-local', 'rabbitmq', 'redis', 'web', 'whisperx', 'whisperx-cpu'].sort(),
    );
    expect(nodeServices.map(([name]) => name).sort()).toEqual(['bot', 'migrate', 'processor', 'processor-local', 'web']);
  });

  it.each(nodeServices)('gives %s only variables core/config.ts reads, with values it accepts', (_name, s) => {
    const environment = s.environment ?? {};
    expect(Object.keys(environment).filter((name) => !configVariables.has(name))).toEqual([]);
    expect(s.env_file).toEqual([{ path: '.env', required: false }]);
    const config = loadConfig(environment);
    expect(config.transcriber.whisperxUrl).toBe('http://whisperx:8000');
    // Compose runs the distributed engines: an embedded one here would keep data in one container only.
    expect(config.engines).toEqual({ database: 'postgres', objects: 's3', queue: 'rabbitmq', progress: 'redis' });
  });

  it('runs the local engines in the `local` profile: models on a volume the image lets its user write', () => {
    const local = service('processor-local');
    expect(local.profiles).toEqual(['local']);
    const config = loadConfig(local.environment);
    expect([config.transcriber.engine, config.local.modelsDir]).toEqual(['local', '/models']);
    expect(local.volumes).toEqual(['local-models:/models']);
    expect(compose.volumes).toHaveProperty('local-models');
    const run = dockerfile(NODE_DOCKERFILE).filter((i) => i.keyword === 'RUN').map((i) => i.args.join(' '));
    expect(run).toContain('mkdir /models && chown node:node /models');
    // The default (GPU) profile keeps WhisperX.
    expect(loadConfig(service('processor').environment).transcriber.engine).toBe('whisperx');
  });

  it('gives the processes that answer questions (web, bot) the local model the processor fetches, read-only', () => {
    for (const name of ['web', 'bot']) {
      expect(loadConfig(service(name).environment).local.modelsDir, name).toBe('/models');
      expect(service(name).volumes, name).toEqual(['local-models:/models:ro']);
    }
  });

  it('points the Node services at the credentials the infrastructure is started with', () => {
    const config = loadConfig(service('processor').environment);
    const postgres = service('postgres').environment!;
    const database = new URL(config.databaseUrl);
    expect([database.hostname, database.username, database.password, database.pathname]).toEqual([
      'postgres', postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD, `/${postgres.POSTGRES_DB}`,
    ]);
    const rabbit = service('rabbitmq').environment!;
    const amqp = new URL(config.amqp.url);
    expect([amqp.hostname, amqp.username, amqp.password]).toEqual(['rabbitmq', rabbit.RABBITMQ_DEFAULT_USER, rabbit.RABBITMQ_DEFAULT_PASS]);
    const minio = service('minio').environment!;
    expect([new URL(config.s3.endpoint).hostname, config.s3.accessKeyId, config.s3.secretAccessKey]).toEqual([
      'minio', minio.MINIO_ROOT_USER, minio.MINIO_ROOT_PASSWORD,
    ]);
    expect(new URL(config.redis.url).hostname).toBe('redis');
  });

  it.each(nodeServices)('runs %s with the entry its npm script runs, from the image', (name, s) => {
    const scripts = z.object({ scripts: z.record(z.string(), z.string()) }).parse(JSON.parse(read('package.json'))).scripts;
    const entry = entryOf(s);
    expect(scripts[name === 'migrate' ? 'migrate' : `start:${name.replace(/-local$/, '')}`]).toBe(`tsx ${entry}`);
    expect(existsSync(path.join(ROOT, entry)), entry).toBe(true);
    const copied = dockerfile(NODE_DOCKERFILE).filter((i) => i.keyword === 'COPY' && !i.args[0]!.startsWith('--from'));
    expect(copied.some((i) => i.args.slice(0, -1).includes(entry.split('/')[0]!)), `${entry} is not copied into the image`).toBe(true);
  });

  it.each(whisperxServices)('gives %s only settings the WhisperX worker reads, with values it accepts', async (_name, s) => {
    const environment = s.environment ?? {};
    expect(Object.keys(environment).filter((name) => !workerVariables.has(name))).toEqual([]);
    const check = 'import json, sys; sys.path.insert(0, "docker/whisperx"); from settings import Settings; Settings.from_env(json.loads(sys.argv[1]))';
    await expect(promisify(execFile)('python3', ['-B', '-c', check, JSON.stringify(environment)], { cwd: ROOT })).resolves.toBeDefined();
  });

  it('puts the WhisperX worker on the GPU, and its CPU variant (profile cpu) at the same address', () => {
    const gpu = service('whisperx');
    expect(gpu.profiles).toBeUndefined();
    expect(gpu.environment).toMatchObject({ DEVICE: 'cuda', COMPUTE_TYPE: 'float16' });
    expect(JSON.stringify(gpu.deploy)).toContain('"capabilities":["gpu"]');
    const cpu = service('whisperx-cpu');
    expect(cpu.profiles).toEqual(['cpu']);
    expect(cpu.environment).toMatchObject({ DEVICE: 'cpu', COMPUTE_TYPE: 'int8' });
    expect(cpu.networks?.default?.aliases).toContain('whisperx');
    expect(cpu.deploy).toBeUndefined();
    const url = new URL(loadConfig(service('processor').environment).transcriber.whisperxUrl);
    for (const worker of [gpu, cpu]) {
      expect(worker.expose).toContain(url.port);
      expect(worker.environment?.PORT).toBe(url.port);
    }
  });

  it('gives every long-running service a health check, and runs migrations once', () => {
    expect(longRunning.filter(([, s]) => !hasHealthcheck(s)).map(([name]) => name)).toEqual([]);
    expect(services.filter(([, s]) => s.restart === 'no').map(([name]) => name)).toEqual(['migrate']);
  });

  it('checks each Node process on the port it serves health on, and publishes the ports users reach', () => {
    const defaults = loadConfig({});
    // The checks read `process.env.<VARIABLE>||<default>`: the variable the process listens by, and its default.
    const checked = (name: string) => {
      const [, variable, port] = /process\.env\.(\w+)\|\|(\d+)/.exec(service(name).healthcheck!.test.join(' ')) ?? [];
      return [variable, Number(port)];
    };
    expect(checked('processor')).toEqual(['HEALTH_PORT', DEFAULT_HEALTH_PORTS.processor]);
    expect(checked('processor-local')).toEqual(['HEALTH_PORT', DEFAULT_HEALTH_PORTS.processor]);
    expect(checked('bot')).toEqual(['HEALTH_PORT', DEFAULT_HEALTH_PORTS.bot]);
    expect(checked('web')).toEqual(['WEB_PORT', defaults.web.port]);
    // Outside the container is another host: the page and health listen on every interface there.
    for (const name of ['processor', 'processor-local', 'web', 'bot']) {
      const { web, health } = loadConfig(service(name).environment);
      expect([name, web.host, health.host]).toEqual([name, '0.0.0.0', '0.0.0.0']);
    }
    expect(service('web').ports).toEqual([`${defaults.web.port}:${defaults.web.port}`]);
    expect(service('bot').ports).toEqual([`${defaults.slack.port}:${defaults.slack.port}`]);
    // Operators' consoles stay on the host's loopback.
    for (const published of [...service('minio').ports!, ...service('rabbitmq').ports!]) expect(published).toMatch(/^127\.0\.0\.1:/);
  });

  it('makes services wait only for services that exist, in states they can reach', () => {
    for (const [name, s] of services) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        const target = service(dependency);
        expect(target.profiles, `${name} depends on ${dependency}, which only runs in a profile`).toBeUndefined();
        if (condition === 'service_healthy') expect(hasHealthcheck(target), `${dependency} has no health check`).toBe(true);
        else if (condition === 'service_completed_successfully') expect(target.restart).toBe('no');
        else expect(condition).toBe('service_started');
      }
    }
    expect(Object.keys(service('processor').depends_on!).sort()).toEqual(['migrate', 'minio', 'rabbitmq', 'redis']);
  });

  it('keeps data in named volumes and mounts files that exist', () => {
    const mounts = services.flatMap(([name, s]) => (s.volumes ?? []).map((v) => ({ name, source: v.split(':')[0]! })));
    for (const { source } of mounts.filter((m) => m.source.startsWith('.'))) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
    for (const { source } of mounts.filter((m) => !m.source.startsWith('.') && !m.source.startsWith('/'))) expect(compose.volumes).toHaveProperty(source);
    const named = (name: string) => mounts.filter((m) => m.name === name && m.source in compose.volumes).length;
    expect(['postgres', 'minio', 'rabbitmq', 'whisperx'].map(named)).toEqual([1, 1, 1, 1]);
  });

  it('lets RabbitMQ wait at least two hours for a job to be acknowledged', () => {
    const mount = service('rabbitmq').volumes!.find((v) => v.includes('/etc/rabbitmq/conf.d/'))!;
    const timeout = /^consumer_timeout\s*=\s*(\d+)\s*$/m.exec(read(mount.split(':')[0]!))?.[1];
    expect(Number(timeout)).toBeGreaterThanOrEqual(2 * 3600 * 1000);
  });
});

describe('the Dockerfiles', () => {
  const built = services.filter(([, s]) => s.build);

  it.each(built)('build %s from a context and Dockerfile that exist, copying only files that exist', (_name, s) => {
    const context = path.join(ROOT, s.build!.context);
    expect(existsSync(context)).toBe(true);
    const instructions = dockerfile(dockerfileOf(s));
    const stages = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args[2]).filter(Boolean);
    for (const { keyword, args } of instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
      const from = args.find((a) => a.startsWith('--from='));
      if (from) {
        expect(stages).toContain(from.slice('--from='.length));
        continue;
      }
      const sources = args.filter((a) => !a.startsWith('--')).slice(0, -1);
      expect(sources.length, `${keyword} ${args.join(' ')}`).toBeGreaterThan(0);
      for (const source of sources) expect(existsSync(path.join(context, source)), `${dockerfileOf(s)}: ${source}`).toBe(true);
    }
    const declared = new Set(instructions.filter((i) => i.keyword === 'ARG').map((i) => i.args[0]!.split('=')[0]));
    for (const arg of Object.keys(s.build!.args ?? {})) expect(declared, `build arg ${arg}`).toContain(arg);
  });

  it.each([NODE_DOCKERFILE, 'docker/whisperx/Dockerfile'])('%s runs as a user other than root', (file) => {
    const user = dockerfile(file).filter((i) => i.keyword === 'USER').at(-1)?.args[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('keeps the Node image to production dependencies, built in a stage of its own, and out of .env', () => {
    const instructions = dockerfile(NODE_DOCKERFILE);
    expect(instructions.filter((i) => i.keyword === 'FROM').length).toBeGreaterThanOrEqual(2);
    expect(instructions.some((i) => i.keyword === 'RUN' && i.args.join(' ').includes('npm ci --omit=dev'))).toBe(true);
    const ignored = read(`${NODE_DOCKERFILE}.dockerignore`).split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', '.git']));
    // Nothing the image copies is ignored (the build would fail on a fresh clone).
    const copiedSources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args[0]!.startsWith('--from'))
      .flatMap((i) => i.args.slice(0, -1));
    expect(copiedSources.filter((source) => ignored.includes(source))).toEqual([]);
  });
});
