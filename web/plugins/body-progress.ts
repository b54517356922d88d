import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../core/errors.js';
import { formatBytes } from '../../core/ingest/byte-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the body-progress watch cut this request: why, in the uploader's words (null otherwise). */
    bodyTooSlow: AppError | null;
  }
}

export interface BodyProgressOptions {
  /** The fewest bytes a body must bring in each window (UPLOAD_MIN_BYTES_PER_WINDOW). */
  minBytes: number;
  /** UPLOAD_PROGRESS_WINDOW_SECONDS, in milliseconds. */
  windowMs: number;
}

/**
 * Every request body must keep arriving (docs/architecture.md#the-web-server): one that brings fewer than
 * `minBytes` in a window has its connection closed, so a client trickling bytes cannot hold an upload slot
 * (or a socket) for as long as it likes. The route sees the body end early and reads `bodyTooSlow`.
 */
export const bodyProgress = fp<BodyProgressOptions>(
  async (app, options) => {
    app.decorateRequest('bodyTooSlow', null);
    app.addHook('onRequest', async (request) => {
      if (hasBody(request)) watchBody(request, options);
    });
  },
  { name: 'body-progress' },
);

function hasBody(request: FastifyRequest): boolean {
  const { headers } = request.raw;
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

function watchBody(request: FastifyRequest, { minBytes, windowMs }: BodyProgressOptions): void {
  const { raw } = request;
  const { socket } = raw;
  // Counted on the socket: reading the request itself would take its bytes from the body parsers.
  let mark = socket.bytesRead;
  const timer = setInterval(() => {
    if (raw.complete || socket.destroyed) return stop();
    const arrived = socket.bytesRead - mark;
    mark = socket.bytesRead;
    // Bytes still waiting to be read mean the slow side is ours (the store, the ingest), not the client.
    if (arrived >= minBytes || raw.readableLength > 0) return;
    request.bodyTooSlow = tooSlow(minBytes, windowMs);
    request.log.info({ arrived, windowMs }, 'request body too slow: connection closed');
    socket.destroy();
    stop();
  }, windowMs).unref();
  const stop = () => clearInterval(timer);
  raw.once('end', stop).once('close', stop);
}

function tooSlow(minBytes: number, windowMs: number): AppError {
  return new AppError(
    'UPLOAD_TOO_SLOW',
    `The upload was stopped because it was too slow: less than ${formatBytes(minBytes)} arrived in ${duration(windowMs / 1000)}. Try again on a steadier connection.`,
  );
}

function duration(seconds: number): string {
  if (seconds % 60 !== 0) return seconds === 1 ? 'a second' : `${seconds} seconds`;
  return seconds === 60 ? 'a minute' : `${seconds / 60} minutes`;
}
