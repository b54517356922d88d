import { connect } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobClaims } from '../../core/db/job-claims.repository.js';
import { QUEUES } from '../../core/domain/job.js';
import type { DestinationStream } from '../../core/logger.js';
import { JOB_TABLE } from '../../core/queue/job-table.js';
import { topologyNames } from '../../core/queue/topology.js';
import { DEFAULT_OPTIONS } from '../../core/sessions/session.service.js';
import { createEngines } from '../../processor/engines/index.js';
import { NOTES_FORMAT_NAME } from '../../processor/engines/meeting-prompt.js';
import type { TranscribeRequest } from '../../processor/engines/transcriber.js';
import { startProcessor, type ProcessorEngines, type RunningProcessor } from '../../processor/processor.js';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness.js';
import { until } from '../helpers/until.js';

/**
 * The same job in a queue twice, as a publish repeated after a confirm lost in a broker crash leaves it (or
 * a job-table lease that ran out while its holder was merely slow), with two processors free to take both
 * copies at once: the recording is transcribed and summarised once, and the spare copy is dropped, never
 * dead-lettered. A copy that finds the job claimed by a processor that died waits for the claim to run out,
 * then does the work: nothing is lost. On both queue engines.
 */

/** Short, so a dead holder's claim runs out within the test. */
const CLAIM_LEASE_MS = 1_000;
const DEFERRED = 'another copy of this job is being worked on; copy deferred';

const lines: string[] = [];
const capture: DestinationStream = { write: (line: string) => void lines.push(line) };

/** How often a copy of `sessionId`'s job found it claimed by another and was put back to run later. */
const deferrals = (sessionId: string) =>
  lines.map((line) => JSON.parse(line) as { msg?: string; sessionId?: string }).filter((l) => l.msg === DEFERRED && l.sessionId === sessionId).length;

/** What the engine still holds of this file's jobs: waiting (ready or delayed) and dead. */
type Leftovers = (h: PipelineHarness) => Promise<{ waiting: number; dead: number }>;

const onRabbitMQ: Leftovers = async (h) => {
  const conn = await connect(h.config.amqp.url);
  try {
    const ch = await conn.createChannel();
    const count = async (names: string[]) => {
      let n = 0;
      for (const name of names) n += (await ch.checkQueue(name)).messageCount;
      return n;
    };
    const queues = QUEUES.map((q) => topologyNames(h.config.amqp).queues[q]);
    return { waiting: await count(queues.flatMap((q) => [q.main, ...q.retries])), dead: await count(queues.map((q) => q.dead)) };
  } finally {
    await conn.close();
  }
};

const onJobTable: Leftovers = async (h) => {
  const rows = await h.core.knex<{ queue: string; status: string }>(JOB_TABLE).where('queue', 'like', `${h.config.amqp.queuePrefix}%`).select('status');
  return { waiting: rows.filter((r) => r.status !== 'dead').length, dead: rows.filter((r) => r.status === 'dead').length };
};

/** The engines with the transcriber counted, and held at its start while a gate is shut. */
function gatedTranscriber(engines: ProcessorEngines) {
  const gate = { calls: 0, shut: Promise.resolve(), open: () => {} };
  const { transcriber } = engines;
  return {
    gate,
    /** Holds every transcription from now until `open()`. */
    shut() {
      gate.shut = new Promise((resolve) => (gate.open = resolve));
    },
    engines: {
      ...engines,
      transcriber: {
        engine: transcriber.engine,
        model: transcriber.model,
        async transcribe(request: TranscribeRequest) {
          gate.calls += 1;
          await gate.shut;
          return transcriber.transcribe(request);
        },
      },
    },
  };
}

const engines: Array<{ engine: string; env: Record<string, string>; leftovers: Leftovers }> = [
  { engine: 'RabbitMQ', env: {}, leftovers: onRabbitMQ },
  // AMQP_URL unset: the job table in the database.
  { engine: 'the job table', env: { AMQP_URL: '' }, leftovers: onJobTable },
];

describe.each(engines)('a job in the queue twice, on $engine', ({ env, leftovers }) => {
  let h: PipelineHarness;
  let gated: ReturnType<typeof gatedTranscriber>;
  let processors: RunningProcessor[] = [];

  beforeAll(async () => {
    h = await startPipelineHarness({ LOG_LEVEL: 'info', ...env }, { logDestination: capture });
    await h.processor.stop(); // only this file's processors consume here
    gated = gatedTranscriber(await createEngines(h.core));
  });

  afterEach(async () => {
    gated.gate.open();
    await Promise.all(processors.map((p) => p.stop()));
    processors = [];
  });

  afterAll(async () => {
    await h?.close();
  });

  /** Two processors, each taking one job at a time: two copies of a job can run at once. */
  async function twoProcessors(): Promise<void> {
    for (let i = 0; i < 2; i++) {
      processors.push(await startProcessor({ ...h.core, jobClaims: new JobClaims(h.core.knex, CLAIM_LEASE_MS) }, gated.engines));
    }
  }

  const notesRequests = () => h.openai.requests.filter((r) => r.chat?.response_format?.json_schema?.name === NOTES_FORMAT_NAME).length;

  interface Counts {
    transcriptions: number;
    whisperx: number;
    notes: number;
  }
  const counts = (): Counts => ({ transcriptions: gated.gate.calls, whisperx: h.whisperx.requests.length, notes: notesRequests() });

  /** Completed once, through one transcription and one LLM summary since `before`, nothing left in the queues. */
  async function expectDoneOnce(sessionId: string, before: Counts): Promise<void> {
    expect(await h.finalState(sessionId)).toMatchObject({ status: 'COMPLETED', errorCode: null, attempts: 1 });
    expect(gated.gate.calls - before.transcriptions, 'transcriber calls').toBe(1);
    expect(h.whisperx.requests.length - before.whisperx, 'WhisperX requests').toBe(1);
    await until('every copy to be settled', async () => (await leftovers(h)).waiting === 0);
    // A copy still in a processor's hands is put back when it stops: the queues stay empty only if none was.
    await Promise.all(processors.map((p) => p.stop()));
    expect(await leftovers(h)).toEqual({ waiting: 0, dead: 0 });
    expect(notesRequests() - before.notes, 'LLM summaries').toBe(1);
    expect((await h.progressOf(sessionId)).filter((e) => e.status === 'COMPLETED')).toHaveLength(1);
  }

  it('published twice at once: one copy transcribes, the other waits without using an attempt and is dropped', async () => {
    await twoProcessors();
    const session = await h.processingSession();
    const before = counts();
    const job = { v: 1 as const, sessionId: session.id, options: DEFAULT_OPTIONS };

    gated.shut();
    await Promise.all([h.core.queue.publish('transcribe', job), h.core.queue.publish('transcribe', job)]);
    await until('one copy to be transcribing', async () => gated.gate.calls > before.transcriptions);
    await until('the other copy to wait its turn, twice, or to transcribe too', async () => {
      return deferrals(session.id) >= 2 || gated.gate.calls > before.transcriptions + 1;
    });
    expect(gated.gate.calls - before.transcriptions, 'copies transcribing at once').toBe(1);

    gated.gate.open();
    await expectDoneOnce(session.id, before);
  }, 60_000);

  it('claimed by a processor that died: the job waits until the claim runs out, then completes', async () => {
    await twoProcessors();
    const session = await h.processingSession();
    const before = counts();
    // The claim a processor took before it was killed: nobody renews or releases it.
    expect(await new JobClaims(h.core.knex, 2 * CLAIM_LEASE_MS).take(session.id, 'transcribe', 'a processor that died')).toBe(true);

    await h.core.queue.publish('transcribe', { v: 1, sessionId: session.id, options: DEFAULT_OPTIONS });
    await until('the job to wait for the claim', async () => deferrals(session.id) >= 1 || gated.gate.calls > before.transcriptions);
    expect(gated.gate.calls - before.transcriptions, 'transcriptions while the dead processor’s claim held').toBe(0);

    await expectDoneOnce(session.id, before);
  }, 60_000);
});
