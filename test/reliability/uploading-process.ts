import { PassThrough } from 'node:stream';
import { createCore } from '../../core/app.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';

/**
 * A process in the middle of an upload, for tests that kill it: starts a session whose recording has sent
 * its first bytes and then waits for more, prints `{"sessionId":…}` and stays until it is killed.
 */
const core = await createCore(loadConfig(process.env), createLogger('silent'));
const body = new PassThrough();
const { session } = await core.sessionService.start({
  user: { platform: 'cli', workspaceId: 'upload-crash', externalId: 'owner' },
  origin: { platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null },
  source: { kind: 'stream', body, filename: 'standup.wav' },
});
body.write(wavStart(64 * 1024));
process.stdout.write(`${JSON.stringify({ sessionId: session.id })}\n`);

/** The start of a 16 kHz mono WAV file said to hold `bytes` of samples, with that many of silence. */
function wavStart(bytes: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + bytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16_000, 24);
  header.writeUInt32LE(32_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(bytes, 40);
  return Buffer.concat([header, Buffer.alloc(bytes)]);
}
