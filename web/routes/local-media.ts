import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/app.js';
import { parseRefPath } from '../../core/domain/storage-layout.js';
import type { LocalFiles } from '../../core/storage/media-links.js';
import type { NotFound } from '../not-found.js';
import { sessionParams, tokenQuery } from '../plugins/authorize.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

export interface LocalMediaOptions {
  /** Where the recordings are (Core.mediaLinks.servedByWeb). */
  files: LocalFiles;
  sessions: Pick<Core, 'sessionService'>;
  notFoundPage: NotFound;
}

/**
 * With the local object store no other server holds the recordings, so the web process serves them itself at
 * the address Core.mediaLinks gives the page, behind the status page's own capability token, with byte ranges
 * so that players can seek (docs/architecture.md#status-page-links).
 */
export const localMediaRoutes: FastifyPluginAsync<LocalMediaOptions> = async (app, options) => {
  app.withTypeProvider<ZodTypeProvider>().route({
    // HEAD explicitly: fastify's own HEAD for a GET would read the whole file to throw it away.
    method: ['GET', 'HEAD'],
    url: '/s/:sessionId/media',
    schema: { params: sessionParams, querystring: tokenQuery },
    preHandler: app.authorize(options.notFoundPage),
    handler: (request, reply) => serveMedia(options, request, reply),
  });
};

async function serveMedia({ files, sessions, notFoundPage }: LocalMediaOptions, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const session = await sessions.sessionService.get(request.sessionId);
  if (!session?.videoPath) return notFoundPage(reply);
  const file = await openIfPresent(files.pathOf(parseRefPath(session.videoPath)));
  if (!file) return notFoundPage(reply);

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
  reply.header('accept-ranges', 'bytes').type(mediaType(session.contentType));
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
