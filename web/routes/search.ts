import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/app.js';
import type { SearchHit } from '../../core/domain/search.js';
import { pageAtMoment, statusPagePath, verifySessionToken } from '../../core/links.js';
import type { ZodTypeProvider } from '../zod-type-provider.js';

export interface SearchOptions {
  sessions: Pick<Core, 'sessionService'>;
  /** LINK_SECRET: checks each meeting's token, and signs the hits' links. */
  linkSecret: string;
}

/** Meetings one search may name: the home page keeps at most 100 (web/public/upload.js). */
export const MAX_SEARCHED_MEETINGS = 100;
/** Hits the page shows at most. */
const PAGE_HITS = 20;

const searchBody = z.strictObject({
  query: z.string(),
  meetings: z.array(z.strictObject({ id: z.string().max(64), t: z.string().max(128) })).max(MAX_SEARCHED_MEETINGS),
});
const BAD_BODY = `Send {"query": "…", "meetings": [{"id": "…", "t": "…"}]}: the words, and at most ${MAX_SEARCHED_MEETINGS} meetings with their links' tokens.`;

/**
 * `POST /api/search`: the home page's search over the meetings this browser knows (docs/architecture.md#search).
 * The tokens travel in the body, never in a URL. A JSON body only, as the other JSON routes: another website
 * cannot send one without a CORS preflight, which this server never grants.
 */
export const searchRoutes: FastifyPluginAsync<SearchOptions> = async (app, { sessions, linkSecret }) => {
  app.withTypeProvider<ZodTypeProvider>().post('/api/search', { schema: { body: searchBody }, attachValidation: true }, async (request, reply) => {
    if (request.validationError) return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: BAD_BODY } });
    const { query, meetings } = request.body;
    // The link is the key: a meeting whose token is wrong is not searched, and nothing says it was named.
    const ids = meetings.filter((m) => verifySessionToken(m.id, m.t, linkSecret)).map((m) => m.id);
    // An empty or overlong query is QUERY_INVALID with its sentence (web/plugins/error-handler.ts).
    const hits = await sessions.sessionService.search(query, { kind: 'sessions', ids }, PAGE_HITS);
    return { hits: hits.map((hit) => hitJson(hit, linkSecret)) };
  });
};

/** A hit as the page shows it; `link` is the page at that moment, relative to the site's root as the home page's links are. */
function hitJson(hit: SearchHit, linkSecret: string) {
  return {
    sessionId: hit.session.id,
    title: hit.title,
    date: hit.session.createdAt.toISOString(),
    kind: hit.kind,
    speaker: hit.speaker,
    text: hit.text,
    startSeconds: hit.startSeconds,
    link: pageAtMoment(statusPagePath(hit.session.id, linkSecret), hit.startSeconds),
  };
}

/** The JSON of `POST /api/search`. */
export type SearchJson = { hits: Array<ReturnType<typeof hitJson>> };
