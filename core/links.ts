import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Capability links (docs/architecture.md#status-page-links): a session's status page is reachable by whoever holds its token, an
 * HMAC-SHA256 of the session id under LINK_SECRET. Nothing is stored; rotating the secret revokes every link.
 */
export function signSessionToken(sessionId: string, secret: string): string {
  return createHmac('sha256', secret).update(sessionId).digest('base64url');
}

/** Constant-time check of a token from a request; anything missing or malformed is simply false. */
export function verifySessionToken(sessionId: string, token: string | null | undefined, secret: string): boolean {
  if (typeof token !== 'string' || token.length === 0) return false;
  const expected = Buffer.from(signSessionToken(sessionId, secret));
  const given = Buffer.from(token);
  // timingSafeEqual needs equal lengths; a length mismatch reveals only the public token length.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The status page relative to the site's root, `s/{id}?t={token}`: what the site's own pages link to, so they
 * work under a path prefix (the upload's redirect, the home page's search hits).
 */
export function statusPagePath(sessionId: string, secret: string): string {
  return `s/${encodeURIComponent(sessionId)}?t=${encodeURIComponent(signSessionToken(sessionId, secret))}`;
}

/** The link posted in threads: `{PUBLIC_BASE_URL}/s/{id}?t={token}` (a base with a path prefix is kept). */
export function statusPageUrl(publicBaseUrl: string, sessionId: string, secret: string): string {
  return new URL(statusPagePath(sessionId, secret), publicBaseUrl.endsWith('/') ? publicBaseUrl : `${publicBaseUrl}/`).toString();
}

/**
 * A status page opened at a moment of the recording: `{page}#t=754` (whole seconds, the media-fragment form);
 * the page's script scrolls to the line said then and starts the player there.
 */
export function pageAtMoment(pageUrl: string, seconds: number | null): string {
  return seconds === null ? pageUrl : `${pageUrl}#t=${Math.floor(seconds)}`;
}
