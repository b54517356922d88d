import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatUser } from '../core/domain/chat-user.js';
import type { ProgressEvent } from '../core/domain/progress.js';
import { run } from '../test/helpers/media.js';
import { microWhisperModel } from '../test/helpers/models/local-models.js';
import { startPipelineHarness, type PipelineHarness } from '../test/helpers/pipeline-harness.js';
import { until } from '../test/helpers/until.js';

/**
 * A cancel reaches a job while the local speech engine is in the middle of a long recording: the engine's
 * process is gone within a second (not at the next stage boundary, many minutes later), and nothing of the
 * cancelled work is stored.
 */

const exec = promisify(execFile);
let h: PipelineHarness;
let recording: string;
const owner: ChatUser = { platform: 'cli', workspaceId: 'local-cancel', externalId: 'owner' };
const origin = { platform: 'cli' as const, workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null };

/** This test process's local speech engines: the whisper.worker children it started. */
async function speechEngines(): Promise<number> {
  const { stdout } = await exec('ps', ['--ppid', String(process.pid), '-o', 'args=']).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter((l) => l.includes('whisper.worker.ts')).length;
}

beforeAll(async () => {
  h = await startPipelineHarness({ TRANSCRIBER: 'local', LOCAL_WHISPER_MODEL: await microWhisperModel(), LOCAL_THREADS: '1' });
  // Twenty minutes of speech (a still frame): minutes of work for the engine, seconds to make.
  const wav = path.join(h.media.dir, 'speech.wav');
  await run('espeak-ng', ['-w', wav, 'We will review the budget on Monday and decide on the launch date.']);
  recording = path.join(h.media.dir, 'long-meeting.mp4');
  await run('ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=gray:s=64x64:r=1', '-stream_loop', '-1', '-i', wav,
    '-t', '1200', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '32k', recording,
  ]);
}, 120_000);

afterAll(async () => h?.close());

describe('cancelling a session on the local speech engine', () => {
  it('stops whisper.cpp within a second of the cancel; the session is CANCELLED with no transcript', async () => {
    const events: ProgressEvent[] = [];
    const { session, uploaded } = await h.core.sessionService.start({
      user: owner,
      origin,
      source: { kind: 'stream', body: createReadStream(recording), filename: 'long-meeting.mp4', sizeBytes: (await stat(recording)).size },
    });
    const unsubscribe = h.core.feed.subscribe(session.id, (e) => events.push(e));
    await uploaded;
    // Transcribing, with a first part done: the engine is busy with the rest of the twenty minutes.
    await until('the first transcribed minute', async () => events.some((e) => e.stage === 'transcribe' && e.message.startsWith('Transcribing (')), 90_000);
    expect(await speechEngines()).toBe(1);

    const result = await h.core.sessionService.cancel(session.id, owner, false);
    expect(result.outcome).toBe('cancelled');
    const cancelledAt = Date.now();
    await until('the speech engine to stop', async () => (await speechEngines()) === 0, 5_000);
    expect(Date.now() - cancelledAt).toBeLessThan(1000);
    unsubscribe();

    expect(await h.core.sessions.get(session.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await h.core.store.exists(h.core.layout.transcript(session.id))).toBe(false);
    expect(events.some((e) => e.status === 'FAILED')).toBe(false);
    expect((await h.deadLetters()).map((m) => m.sessionId)).not.toContain(session.id);
  }, 150_000);
});
