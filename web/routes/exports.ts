import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/app.js';
import { isExportFormat } from '../../core/domain/exports/index.js';
import { isAppError } from '../../core/errors.js';
import { statusPageUrl } from '../../core/links.js';
import { statusOfCode } from '../http-errors.js';
import type { NotFound } from '../not-found.js';
import { sessionParams, tokenQuery } from '../plugins/authorize.js';
import { renderMessagePage } from '../views/status-page.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

export interface ExportRoutesOptions {
  sessions: Pick<Core, 'config' | 'sessionService'>;
  /** Signs the page link the Markdown's timestamps point at. */
  linkSecret: string;
  notFoundPage: NotFound;
}

/** `GET /s/:id/export/:format?t=`: the meeting as a file to download (docs/architecture.md#exports), behind the page's token. */
export const exportRoutes: FastifyPluginAsync<ExportRoutesOptions> = async (app, { sessions, linkSecret, notFoundPage }) => {
  const schema = { params: sessionParams.extend({ format: z.string() }), querystring: tokenQuery };
  app.withTypeProvider<ZodTypeProvider>().get('/s/:sessionId/export/:format', { schema, preHandler: app.authorize(notFoundPage) }, async (request, reply) => {
    const { sessionId } = request;
    const { format } = request.params;
    if (!isExportFormat(format)) return notFoundPage(reply);
    try {
      const pageUrl = statusPageUrl(sessions.config.web.publicBaseUrl, sessionId, linkSecret);
      const file = await sessions.sessionService.export(sessionId, format, { pageUrl });
      return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.body);
    } catch (err) {
      if (!isAppError(err)) throw err;
      if (err.code === 'SESSION_NOT_FOUND') return notFoundPage(reply);
      return reply.code(statusOfCode(err.code)).type('text/html; charset=utf-8').send(renderMessagePage('Nothing to export', err.userMessage));
    }
  });
};
