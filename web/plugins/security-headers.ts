import fp from 'fastify-plugin';

/**
 * The page's security headers: scripts and styles only from here, media only from where the recordings are
 * linked (`mediaSources`) and from here (the player's subtitles, the transcript as WebVTT), no referrer (the
 * URL is a capability), and nothing of a session kept in a cache.
 */
function contentSecurityPolicy(mediaSources: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `media-src 'self' ${mediaSources}`,
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const securityHeaders = fp<{ mediaSources: string }>(
  async (app, { mediaSources }) => {
    const csp = contentSecurityPolicy(mediaSources);
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      if (request.url.startsWith('/s/') || request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
      if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) reply.header('content-security-policy', csp);
    });
  },
  { name: 'security-headers' },
);
