import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectRef } from '../core/domain/storage-layout.js';
import { statusPageUrl } from '../core/links.js';
import type { LocalObjectStore } from '../core/storage/local.object-store.js';
import type { MediaLink } from './session-state.js';

/**
 * With the embedded object store no other server holds the recordings, so the web process serves them
 * itself, behind the status page's own capability token, with byte ranges so that players can seek.
 */
export const MEDIA_ROUTE = '/s/:sessionId/media';

/** `{status page}/media?t=TOKEN`: under PUBLIC_BASE_URL like the links posted in threads. */
export function localMediaLink(publicBaseUrl: string, linkSecret: string): MediaLink {
  return async (sessionId) => {
    const url = new URL(statusPageUrl(publicBaseUrl, sessionId, linkSecret));
    url.pathname += '/media';
    return url.href;
  };
}

export interface LocalMediaDeps {
  store: LocalObjectStore;
  /** The session id when the request carries its valid token: the page's own check. */
  authorize(params: unknown, query: unknown): string | null;
  /** The session's recording, or null when it has none (yet) or does not exist. */
  recording(sessionId: string): Promise<{ ref: ObjectRef; contentType: string | null } | null>;
  /** The page's one answer for anything not to be shown. */
  notFound(reply: FastifyReply): FastifyReply;
}

export function registerLocalMedia(app: FastifyInstance, deps: LocalMediaDeps): void {
  // HEAD explicitly: fastify's own HEAD for a GET would read the whole file to throw it away.
  app.route({ method: ['GET', 'HEAD'], url: MEDIA_ROUTE, handler: (request, reply) => serveMedia(deps, request, reply) });
}

async function serveMedia(deps: LocalMediaDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const sessionId = deps.authorize(request.params, request.query);
  const recording = sessionId && (await deps.recording(sessionId));
  if (!recording) return deps.notFound(reply);
  const file = await openIfPresent(deps.store.pathOf(recording.ref));
  if (!file) return deps.notFound(reply);

  let size: number;
  try {
    size = (await file.stat()).size;
  } catch (err) {
    await file.close();
    throw err;
  }
  const range = parseRange(request.headers.range, size);
  const withBody = range !== 'unsatisfiable' && request.method !== 'HEAD' && size > 0;
  if (!withBody) await file.close();
  reply.header('accept-ranges', 'bytes').type(mediaType(recording.contentType));
  if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${size}`).send();
  const { start, end } = range ?? { start: 0, end: size - 1 };
  if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
  reply.header('content-length', String(end - start + 1));
  if (!withBody) return reply.send();
  // The stream owns the handle from here and closes it when done or when the viewer goes away.
  return reply.send(file.createReadStream({ start, end }));
}

/** Opened, or null when the object is not there (deleted meanwhile). */
async function openIfPresent(file: string): Promise<FileHandle | null> {
  try {
    return await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
}

/** Only a media type is served as itself: nothing stored may come back as a page of this origin. */
function mediaType(contentType: string | null): string {
  return contentType && /^(video|audio)\/[\w.+-]+$/.test(contentType) ? contentType : 'application/octet-stream';
}

/**
 * The one byte range a `Range: bytes=…` header asks for (RFC 9110 §14), clamped to the file; null to send
 * the whole file (no header, another unit, or several ranges, which a server may ignore); 'unsatisfiable'
 * for a malformed range or one that starts past the end.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return null;
  const spec = m[1]!.trim();
  if (spec.includes(',')) return null;
  const parts = /^(\d*)-(\d*)$/.exec(spec);
  if (!parts) return 'unsatisfiable';
  const [, first, last] = parts as unknown as [string, string, string];
  if (first === '') {
    // `-N`: the last N bytes.
    const suffix = Number(last);
    if (last === '' || suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== '' && Number(last) < start)) return 'unsatisfiable';
  return { start, end };
}
