import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import fastifyMultipart, { type Multipart, type MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/app.js';
import type { Config } from '../../core/config.js';
import type { ChatUser } from '../../core/domain/chat-user.js';
import type { ChatOrigin, Session } from '../../core/domain/session.js';
import { AppError, isAppError } from '../../core/errors.js';
import { formatBytes, tooLarge } from '../../core/ingest/byte-limit.js';
import type { MediaSource } from '../../core/ingest/ingest.service.js';
import { statusPagePath } from '../../core/links.js';
import { statusOfCode, statusOfError } from '../http-errors.js';
import { crossSite } from '../same-origin.js';
import { renderMessagePage } from '../views/status-page.js';
import { renderUploadPage } from '../views/upload-page.js';

/**
 * Who a web upload belongs to. The page has no sign-in, and a client address says little behind a proxy
 * (and X-Forwarded-For is whatever the client writes), so every web upload is one person: the per-person
 * limit (MAX_ACTIVE_SESSIONS_PER_USER) then caps how much anonymous work the open page can queue at once.
 */
export const WEB_USER: ChatUser = { platform: 'web', workspaceId: null, externalId: 'anonymous', displayName: 'Web upload' };
const WEB_ORIGIN: ChatOrigin = { platform: 'web', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null };

/** Room for the form around the file: boundaries, part headers, a link field. */
const FORM_ALLOWANCE = 64 * 1024;
const HTML = 'text/html; charset=utf-8';

const CHAT_ONLY =
  'Recordings come from chat here: drop a video in a channel with the Whisper Notes bot, or send it `/whisper <link>`.';
const NOTHING_SENT = 'Choose a recording to upload, or paste a link to one.';
const CROSS_SITE = 'This upload was sent from another website, so it was refused. Open this page and upload from here.';
const NOT_UNDERSTOOD = 'The upload was not understood. Choose a file or paste a link, then send it again.';
const OUR_FAULT = 'Something went wrong on our side; please try again shortly.';
const INTERRUPTED = 'The upload stopped before the whole file arrived. Please try again.';

/**
 * The part's bytes, pulled only as the ingest reads them. Stopping early leaves the part to be read past,
 * not destroyed (which would stall the form's parser); a client that goes away or sends a broken form makes
 * an UPLOAD_INTERRUPTED, one cut for sending too slowly an UPLOAD_TOO_SLOW.
 */
async function* received(file: Readable, request: FastifyRequest): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of file.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
  } catch (err) {
    throw request.bodyTooSlow ?? new AppError('UPLOAD_INTERRUPTED', INTERRUPTED, false, { cause: err });
  }
}

/** The form's parts. Whatever the parser refuses (no boundary, a broken body, one cut short) is the client's: a 400. */
async function* formParts(request: FastifyRequest): AsyncGenerator<Multipart> {
  try {
    yield* request.parts();
  } catch (err) {
    throw statusOfError(err) < 500 ? err : Object.assign(new Error('malformed multipart form', { cause: err }), { statusCode: 400 });
  }
}

/** Uploads on the status page only where nobody can send recordings from chat (a chat install has no open upload endpoint). */
export function uploadsEnabled(config: Config): boolean {
  return !config.slack.botToken && !config.discord.token;
}

export interface UploadOptions {
  sessions: Pick<Core, 'config' | 'sessionService'>;
  linkSecret: string;
  /** How long a link may take to be refused (a private address, a dead link) before the browser is sent to its status page. */
  linkWaitMs: number;
}

interface Refusal {
  status: number;
  message: string;
}

/** A started session, or why it failed (sessionId) or none was started (null): the form says so. */
type Outcome = { session: Session } | { refusal: Refusal; sessionId: string | null };

/** What a form brought: its link field, and what its file started. */
interface Form {
  link: string;
  outcome: Outcome | null;
}

/**
 * `GET /` and `POST /sessions`. With a chat token configured `/` only says where recordings come from and
 * `/sessions` does not exist, so a public status page never becomes an open upload endpoint.
 */
export const uploadRoutes: FastifyPluginAsync<UploadOptions> = async (app, options) => {
  if (!uploadsEnabled(options.sessions.config)) {
    app.get('/', (_request, reply) => reply.code(404).type(HTML).send(renderMessagePage('Not found', CHAT_ONLY)));
    return;
  }
  // Multipart parsing exists in this plugin's scope only.
  const { maxMediaBytes } = options.sessions.config.ingest;
  await app.register(fastifyMultipart, {
    // A file over the cap arrives one byte too long, so the ingest's cap refuses it (MEDIA_TOO_LARGE) rather
    // than busboy cutting it short; the form is small around it.
    throwFileSizeLimit: false,
    limits: { fileSize: maxMediaBytes + 1, files: 1, fields: 4, fieldSize: 8 * 1024, parts: 8, headerPairs: 32 },
  });
  const uploads = new Uploads(options);
  app.setErrorHandler((err, request, reply) => {
    // Whatever failed, part of the body may be unread: the connection goes with the answer.
    reply.header('connection', 'close');
    const status = statusOfError(err);
    if (status < 500) return uploads.page(reply, status, isAppError(err) ? err.userMessage : NOT_UNDERSTOOD);
    request.log.error({ err }, 'upload request failed');
    return uploads.page(reply, status, OUR_FAULT);
  });
  app.get('/', (_request, reply) => uploads.page(reply, 200, null));
  // Where a refusal left the browser (the form posts here): going back there, or reloading it, shows the form.
  app.get('/sessions', (_request, reply) => reply.redirect('./', 303));
  app.post('/sessions', (request, reply) => uploads.receive(request, reply));
};

class Uploads {
  private readonly maxBytes: number;

  constructor(private readonly options: UploadOptions) {
    this.maxBytes = options.sessions.config.ingest.maxMediaBytes;
  }

  page(reply: FastifyReply, status: number, error: string | null, link = ''): FastifyReply {
    const page = renderUploadPage({ maxBytes: this.maxBytes, maxLabel: formatBytes(this.maxBytes), error, link });
    return reply.code(status).type(HTML).send(page);
  }

  async receive(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    if (crossSite(request, this.options.sessions.config.web.publicBaseUrl)) return this.page(reply, 403, CROSS_SITE);
    // A browser states the form's size: one too large is refused before a byte of it is read.
    const declared = Number(request.headers['content-length']);
    if (declared > this.maxBytes + FORM_ALLOWANCE) {
      return this.page(reply.header('connection', 'close'), 413, tooLarge(this.maxBytes).userMessage);
    }

    const form: Form = { link: '', outcome: null };
    if (request.isMultipart()) {
      await this.readMultipart(request, form);
    } else if (request.body instanceof URLSearchParams) {
      form.link = request.body.get('link')?.trim() ?? '';
    }
    const outcome = form.outcome ?? (form.link ? await this.fetchLink(form.link) : { refusal: { status: 400, message: NOTHING_SENT }, sessionId: null });

    if ('refusal' in outcome) {
      return this.page(reply, outcome.refusal.status, outcome.refusal.message, form.link);
    }
    const { id } = outcome.session;
    // `#uploaded`: the page's script keeps the meeting in this browser's list on the upload page.
    return reply.redirect(`${statusPagePath(id, this.options.linkSecret)}#uploaded`, 303);
  }

  /**
   * Reads the form part by part, uploading its one file as it arrives. A form refused after that (a second
   * file, too many fields, a broken body) starts nothing: the person never gets the link of the session its
   * file started, so that session is cancelled and deleted. A client that went away (or was cut for sending
   * too slowly) keeps its FAILED session, and is an ordinary event.
   */
  private async readMultipart(request: FastifyRequest, form: Form): Promise<void> {
    try {
      for await (const part of formParts(request)) {
        if (part.type === 'field') {
          if (part.fieldname === 'link' && typeof part.value === 'string') form.link = part.value.trim();
        } else if (form.outcome || part.fieldname !== 'file' || !part.filename) {
          // An empty file input (no file chosen) or anything extra: read past it.
          part.file.resume();
        } else {
          form.outcome = await this.uploadFile(part, request);
        }
      }
    } catch (err) {
      const sessionId = form.outcome && ('session' in form.outcome ? form.outcome.session.id : form.outcome.sessionId);
      if (request.raw.socket.destroyed) request.log.info({ sessionId }, 'upload ended: the connection closed');
      else if (sessionId) await this.discard(sessionId);
      throw err;
    }
  }

  private async discard(sessionId: string): Promise<void> {
    const { sessionService } = this.options.sessions;
    await sessionService.cancel(sessionId, WEB_USER, true);
    await sessionService.delete(sessionId, WEB_USER, true);
  }

  /**
   * Hands the file part to the ingest as it arrives (never buffered whole) and waits until it is stored
   * or refused. A refusal that comes early (the first bytes are not media) leaves the rest of the part to
   * be read past, so the browser gets the answer on a healthy connection.
   */
  private async uploadFile(part: MultipartFile, request: FastifyRequest): Promise<Outcome> {
    const { file } = part;
    const body = Readable.from(received(file, request), { objectMode: false });
    try {
      return await this.start({ kind: 'stream', body, filename: part.filename }, (uploaded) => uploaded);
    } finally {
      body.destroy();
      if (!file.readableEnded) file.resume();
    }
  }

  /** A link is fetched by the ingest's SSRF-safe fetcher; refusals that come at once are shown on the form, slower ones on the status page. */
  private fetchLink(url: string): Promise<Outcome> {
    return this.start({ kind: 'link', url }, (uploaded) =>
      Promise.race([uploaded, delay(this.options.linkWaitMs, null, { ref: false })]),
    );
  }

  /** Starts the session; `settled` says how long to wait for the upload's outcome (null: not at all). */
  private async start(source: MediaSource, settled: (uploaded: Promise<Session>) => Promise<Session | null>): Promise<Outcome> {
    let started;
    try {
      started = await this.options.sessions.sessionService.start({ user: WEB_USER, origin: WEB_ORIGIN, source });
    } catch (err) {
      if (isAppError(err) && err.code === 'TOO_MANY_ACTIVE') {
        return { refusal: { status: statusOfCode(err.code), message: this.tooManyActive() }, sessionId: null };
      }
      throw err;
    }
    const session = (await settled(started.uploaded)) ?? started.session;
    if (session.status === 'FAILED' || session.status === 'CANCELLED') {
      return { refusal: { status: statusOfCode(session.errorCode ?? 'INTERNAL'), message: session.errorMessage ?? OUR_FAULT }, sessionId: session.id };
    }
    return { session };
  }

  /** The page's own words for TOO_MANY_ACTIVE: here everyone shares one limit and has no chat. */
  private tooManyActive(): string {
    const n = this.options.sessions.config.ingest.maxActivePerUser;
    return `${n === 1 ? 'A recording' : `${n} recordings`} uploaded from this page ${n === 1 ? 'is' : 'are'} already being processed, as many as this page takes at once. Wait a few minutes for ${n === 1 ? 'it' : 'one'} to finish, then try again.`;
  }
}
