import { createReadStream } from 'node:fs';
import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { QUEUES } from '../../core/domain/job.js';
import type { Session } from '../../core/domain/session.js';
import { createLogger } from '../../core/logger.js';
import { topologyNames } from '../../core/queue/topology.js';
import { createEngines } from '../../processor/engines/index.js';
import { startProcessor, type ProcessorEngines, type RunningProcessor } from '../../processor/processor.js';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness.js';
import { startRabbitNode, type RabbitNode } from '../helpers/rabbitmq-node.js';
import { until } from '../helpers/until.js';

/**
 * RabbitMQ restarted in the middle of the work, gracefully and by SIGKILL, on a node this file starts for
 * itself (never the machine's broker): the submitting side (SessionService, as the bots use it) and the
 * processor reconnect by themselves, sessions submitted during the outage are queued once it is over (the
 * publish waits for the broker up to 30 s; a restart takes a few), and every recording is transcribed and
 * summarised to completion exactly once, with nothing dead-lettered and the processor still consuming.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** How often each session's work was started and finished, counted around the real engines. */
interface EngineCounts {
  transcriptionsStarted: Map<string, number>;
  transcriptionsDone: Map<string, number>;
  notesDone: Map<string, number>;
}

function counted(engines: ProcessorEngines): { engines: ProcessorEngines; counts: EngineCounts } {
  const counts: EngineCounts = { transcriptionsStarted: new Map(), transcriptionsDone: new Map(), notesDone: new Map() };
  const bump = (map: Map<string, number>, id: string) => map.set(id, (map.get(id) ?? 0) + 1);
  // The audio file is named by the job; the video's address (`video-files/{id}/original…`) names the session.
  const sessionOfAudio = new Map<string, string>();
  const { transcriber, generator } = engines;
  return {
    counts,
    engines: {
      extractAudio: (input, outPath, opts) => {
        sessionOfAudio.set(outPath, UUID.exec(input)![0]);
        return engines.extractAudio(input, outPath, opts);
      },
      transcriber: {
        engine: transcriber.engine,
        model: transcriber.model,
        async transcribe(request) {
          const id = sessionOfAudio.get(request.audioPath)!;
          bump(counts.transcriptionsStarted, id);
          const result = await transcriber.transcribe(request);
          bump(counts.transcriptionsDone, id);
          return result;
        },
      },
      generator: {
        async generate(request) {
          const notes = await generator.generate(request);
          bump(counts.notesDone, request.transcript.session_id);
          return notes;
        },
      },
    },
  };
}

let node: RabbitNode;
let h: PipelineHarness;
/** The processor's own core: its connection to the broker is not the submitting side's, as in production. */
let processorCore: Core;
let processor: RunningProcessor;
let counts: EngineCounts;
let submitted = 0;

/** Messages waiting in a queue of this file's topology and the subscriptions on it, straight from the broker. */
async function brokerView(): Promise<Record<string, { messages: number; consumers: number }>> {
  const conn = await connect(node.url);
  try {
    const ch = await conn.createChannel();
    const view: Record<string, { messages: number; consumers: number }> = {};
    for (const queue of QUEUES) {
      const names = topologyNames(h.config.amqp).queues[queue];
      for (const name of [names.main, ...names.retries, names.dead]) {
        const { messageCount, consumerCount } = await ch.checkQueue(name);
        view[name.slice(h.config.amqp.queuePrefix.length)] = { messages: messageCount, consumers: consumerCount };
      }
    }
    return view;
  } finally {
    await conn.close();
  }
}

/** Both queues have the processor's subscription again. */
async function consuming(): Promise<void> {
  await until(
    'the processor to consume both queues',
    async () => {
      const view = await brokerView().catch(() => null);
      return view?.transcribe?.consumers === 1 && view.todos?.consumers === 1;
    },
    30_000,
  );
}

beforeAll(async () => {
  node = await startRabbitNode();
  h = await startPipelineHarness({ AMQP_URL: node.url });
  await h.processor.stop(); // only the counted processor consumes here
  const log = createLogger(h.config.logLevel);
  processorCore = await createCore(h.config, log);
  const wrapped = counted(await createEngines({ ...h.core, log }));
  counts = wrapped.counts;
  processor = await startProcessor(processorCore, wrapped.engines);
  // RabbitMQ 3.10 writes which quorum queues exist (ra's names.dets) on a clean shutdown or every few
  // minutes: a node SIGKILLed before either comes back with the queues declared since then empty. One clean
  // restart now records the topology just declared, so a crash later is a crash of a node that has run a while.
  await node.stop();
  await node.start();
  await consuming();
}, 180_000);

afterAll(async () => {
  await processor?.stop();
  await processorCore?.close();
  await h?.close();
  await node?.remove();
  if (node) console.info(`private RabbitMQ node ${node.name}: starts took ${node.startTimesMs.join(', ')} ms`);
}, 120_000);

/** Submits the harness's video as a chat bot would, for a person of its own (one recording each). */
async function submit(): Promise<{ session: Session; uploaded: Promise<Session> }> {
  submitted += 1;
  return h.core.sessionService.start({
    user: { platform: 'cli', workspaceId: 'restart', externalId: `tester-${submitted}` },
    origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
    source: { kind: 'stream', body: createReadStream(h.video), filename: 'standup.mp4', sizeBytes: null },
    options: { language: 'en' },
  });
}

/** Submits and waits until the job is queued. */
async function queued(): Promise<Session> {
  const { session, uploaded } = await submit();
  expect((await uploaded).status).toBe('PROCESSING');
  return session;
}

/** Holds the next transcription inside the WhisperX fake; resolves once the processor is in it. */
async function transcriptionHeld(): Promise<void> {
  const before = h.whisperx.requests.length;
  h.whisperx.failNext({ kind: 'delay', ms: 120_000 });
  await until('the held transcription to start', async () => h.whisperx.requests.length > before);
}

async function expectCompletedOnce(sessions: Session[], interrupted: Session): Promise<void> {
  for (const s of sessions) {
    const done = await h.finalState(s.id, 90_000);
    expect(done, `session ${s.id}`).toMatchObject({ status: 'COMPLETED', errorCode: null, attempts: 1 });
    const { transcript, todos, summary } = await h.core.sessionService.results(s.id);
    expect(transcript?.session_id).toBe(s.id);
    expect(summary).not.toBeNull();
    expect(todos!.todos.length).toBeGreaterThan(0);
    expect(new Set(todos!.todos.map((t) => t.task)).size, 'no duplicate todos').toBe(todos!.todos.length);
    // Finished once each; only the transcription the restart cut off was started a second time.
    expect(counts.transcriptionsStarted.get(s.id), `transcriptions started for ${s.id}`).toBe(s === interrupted ? 2 : 1);
    expect(counts.transcriptionsDone.get(s.id), `transcriptions finished for ${s.id}`).toBe(1);
    expect(counts.notesDone.get(s.id), `notes written for ${s.id}`).toBe(1);
  }
  expect(await h.deadLetters()).toEqual([]);
}

/** After the restart: both sides ready, a new recording goes through, both subscriptions back, nothing left over. */
async function expectStillConsuming(): Promise<void> {
  await processorCore.readiness.queue!();
  await h.core.readiness.queue!();
  const later = await queued();
  expect(await h.finalState(later.id, 30_000)).toMatchObject({ status: 'COMPLETED' });
  expect(counts.transcriptionsDone.get(later.id)).toBe(1);
  const view = await brokerView();
  for (const [name, { messages, consumers }] of Object.entries(view)) {
    expect({ name, messages }).toEqual({ name, messages: 0 });
    if (name === 'transcribe' || name === 'todos') expect({ name, consumers }).toEqual({ name, consumers: 1 });
  }
}

describe('RabbitMQ restarted mid-run', () => {
  it('stopped gracefully: the job in hand and the queued ones complete once, and so do sessions submitted while it is down', async () => {
    const [inHand] = await Promise.all([queued(), transcriptionHeld()]);
    const waiting = [await queued(), await queued()];

    await node.stop();
    expect((await h.core.sessions.get(inHand.id))?.status).toBe('PROCESSING');
    // Submitted while the broker is down: uploaded, then queued once it is back.
    const duringOutage = [await submit(), await submit()];
    await node.start();
    for (const { uploaded } of duringOutage) expect(await uploaded).toMatchObject({ status: 'PROCESSING' });

    await expectCompletedOnce([inHand, ...waiting, ...duringOutage.map((s) => s.session)], inHand);
    await expectStillConsuming();
  }, 240_000);

  it('killed with SIGKILL: the same, for sessions submitted while it comes back', async () => {
    const [inHand] = await Promise.all([queued(), transcriptionHeld()]);
    const waiting = [await queued(), await queued()];

    await node.kill();
    expect(node.processes()).toEqual([]);
    const [, ...whileRestarting] = await Promise.all([node.start(), submit(), submit()]);
    for (const { uploaded } of whileRestarting) expect(await uploaded).toMatchObject({ status: 'PROCESSING' });

    await expectCompletedOnce([inHand, ...waiting, ...whileRestarting.map((s) => s.session)], inHand);
    await expectStillConsuming();
  }, 240_000);
});
