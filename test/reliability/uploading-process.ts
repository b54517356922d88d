import { PassThrough } from 'node:stream';
import { createCore } from '../../core/app.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { wavHeader } from '../helpers/media.js';

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
// The start of a WAV file said to hold 64 KiB of samples, with that much silence.
body.write(Buffer.concat([wavHeader(64 * 1024), Buffer.alloc(64 * 1024)]));
process.stdout.write(`${JSON.stringify({ sessionId: session.id })}\n`);

