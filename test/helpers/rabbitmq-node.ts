import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'amqplib';

/**
 * The broker's own start script, not /usr/sbin/rabbitmq-server: that wrapper `su`s to the rabbitmq user,
 * resets HOME (sharing the machine broker's Erlang cookie) and reads /etc/rabbitmq, whose listener is 5672.
 */
const SERVER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';
/** Set on the node's environment; every process of the node inherits it, which is how they are found. */
const MARKER = 'WN_TEST_RABBITMQ_NODE';
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 60_000;
const OUTPUT_TAIL_CHARS = 8_000;

export interface RabbitNode {
  /** Erlang node name, `wn-<tag>@localhost`. */
  readonly name: string;
  /** AMQP port on 127.0.0.1; the same across restarts. */
  readonly port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>`. */
  readonly url: string;
  /** Data, logs and configuration of the node; kept across restarts, deleted by remove(). */
  readonly dir: string;
  /** Milliseconds each start took, from spawning the node to its first accepted AMQP connection. */
  readonly startTimesMs: readonly number[];
  /** Pids of the node's processes that are still running. */
  processes(): number[];
  /** Starts the node again on the same port and data (durable queues and their messages come back). */
  start(): Promise<void>;
  /** A graceful shutdown, as an operator's stop: clients are told the connection is closing. */
  stop(): Promise<void>;
  /** SIGKILL of every process of the node, as a crash or an OOM kill: clients just lose their sockets. */
  kill(): Promise<void>;
  /** Stops the node (killing it if it will not stop) and deletes its directory. */
  remove(): Promise<void>;
}

/**
 * A RabbitMQ node of the test's own, as child processes of the test: for tests that stop, kill and restart
 * the broker, which the machine's shared broker on 5672 must never be. It listens on 127.0.0.1 only (AMQP and
 * Erlang distribution, on ports below the ephemeral range so no client socket takes them while it is down),
 * enables no plugins and reads no machine configuration. It registers its distinct name with the machine's
 * epmd, which drops the name as soon as the node dies; epmd itself is shared and never killed here.
 */
export async function startRabbitNode(): Promise<RabbitNode> {
  const tag = randomBytes(4).toString('hex');
  const dir = await mkdtemp(path.join(os.tmpdir(), `wn-rabbitmq-${tag}-`));
  const name = `wn-${tag}@localhost`;
  const port = await freePort();
  const distPort = await freePort([port]);
  // The machine's /etc/rabbitmq would add its own listener (5672) and node name: both are replaced.
  await writeFile(path.join(dir, 'rabbitmq-env.conf'), '');
  await writeFile(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.1 = 127.0.0.1:${port}\n`);
  await writeFile(path.join(dir, 'enabled_plugins'), '[].\n');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir, // the Erlang cookie is created here, not shared with the machine broker
    [MARKER]: dir,
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    // Only used should this node be the one that starts epmd (no broker on the machine yet).
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const startTimesMs: number[] = [];
  let child: ChildProcess | null = null;
  let output = '';
  const processes = () => nodeProcesses(dir);
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of processes()) {
      try {
        process.kill(pid, signal);
      } catch {
        // Ended between the scan and the signal.
      }
    }
  };
  const killAll = () => signalAll('SIGKILL');
  // A test run that ends without remove() (a crash, a timeout) must not leave a broker running.
  process.on('exit', killAll);

  const start = async () => {
    if (processes().length > 0) throw new Error(`RabbitMQ node ${name} is already running`);
    const began = Date.now();
    output = '';
    const started = spawn(SERVER_SCRIPT, [], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-OUTPUT_TAIL_CHARS));
    started.stdout.on('data', keep);
    started.stderr.on('data', keep);
    const failed = new Promise<never>((_, reject) => {
      const fail = (why: string) => reject(new Error(`RabbitMQ node ${name} did not start (${why}):\n${output}`));
      started.once('error', (err) => fail(err.message));
      started.once('exit', (code, signal) => fail(`exited with ${signal ?? code}`));
    });
    failed.catch(() => {}); // only awaited while starting; a later stop also ends the process
    try {
      await Promise.race([failed, acceptsAmqp(url, began + START_TIMEOUT_MS)]);
    } catch (err) {
      killAll();
      throw err;
    }
    startTimesMs.push(Date.now() - began);
  };

  /** Waits for the node's processes to be gone; false when they outlast `timeoutMs`. */
  const gone = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (processes().length > 0) {
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
    return true;
  };

  const kill = async () => {
    // Repeated: a process forked while the others were being killed is caught on the next pass.
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (processes().length > 0) {
      if (Date.now() > deadline) throw new Error(`RabbitMQ node ${name} survived SIGKILL: ${processes().join(', ')}`);
      killAll();
      await gone(500);
    }
  };

  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      // The start script turns SIGTERM into the broker's orderly shutdown and exits once it is done.
      child.kill('SIGTERM');
    } else {
      signalAll('SIGTERM'); // beam.smp shuts down in order on SIGTERM too
    }
    if (await gone(STOP_TIMEOUT_MS)) return;
    await kill();
    throw new Error(`RabbitMQ node ${name} did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM; killed\n${output}`);
  };

  const remove = async () => {
    try {
      await stop();
    } finally {
      await kill();
      process.off('exit', killAll);
      await rm(dir, { recursive: true, force: true });
    }
  };

  try {
    await start();
  } catch (err) {
    await remove().catch(() => {});
    throw err;
  }
  return {
    name,
    port,
    url,
    dir,
    startTimesMs,
    processes,
    start,
    stop,
    kill,
    remove,
  };
}

/** Resolves once the broker completes an AMQP handshake (its port opens a little before it is ready). */
async function acceptsAmqp(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const conn = await connect(url, { timeout: 2_000 });
      conn.on('error', () => {});
      await conn.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`RabbitMQ at ${url} accepted no AMQP connection`, { cause: err });
      await sleep(100);
    }
  }
}

/** Running processes (zombies are not) whose environment carries the node's marker; never epmd (shared). */
function nodeProcesses(dir: string): number[] {
  const marker = `${MARKER}=${dir}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (!environ.includes(marker)) continue;
      // stat: "pid (comm) state ..."; comm may hold spaces, so read around the last parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && state !== 'X' && comm !== 'epmd') pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or another user's process: not ours.
    }
  }
  return pids;
}

/**
 * A port free on 127.0.0.1 below the kernel's ephemeral range: an ephemeral port could be taken by some
 * client's outgoing connection while the node is down, and the restart would then fail to listen.
 */
async function freePort(exclude: number[] = []): Promise<number> {
  const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').trim().split(/\s+/).map(Number);
  const high = Math.min(ephemeralLow ?? 32768, 32768);
  for (let tries = 0; tries < 100; tries++) {
    const candidate = 20_000 + Math.floor(Math.random() * (high - 20_000));
    if (!exclude.includes(candidate) && (await canListen(candidate))) return candidate;
  }
  throw new Error('found no free port for a RabbitMQ node');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
