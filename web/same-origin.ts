import type { FastifyRequest } from 'fastify';

/**
 * CSRF for the page's forms (the upload, the todo list): a browser names where a form was posted from.
 * Sec-Fetch-Site where it is sent (HTTPS, localhost), otherwise Origin, which must be this host or
 * PUBLIC_BASE_URL. A request with neither is not a browser's (curl, a script), so nobody's session can be
 * abused through it.
 */
export function crossSite(request: FastifyRequest, publicBaseUrl: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  if (origin === new URL(publicBaseUrl).origin) return false;
  return !URL.canParse(origin) || new URL(origin).host !== request.host;
}
