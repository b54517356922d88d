import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStream, startWebFixture, type WebFixture } from '../e2e/web-fixture.js';

/**
 * Status-page tokens that are almost right. test/e2e/web.e2e.test.ts covers a missing, empty, wrong, another
 * session's and an unknown session's token on the GET routes; here: truncated, re-cased, padded, re-encoded
 * and repeated tokens, a deleted session's own token, the todo form and PATCH, bodies compared with the
 * answer for a session that never existed, and the comparison itself.
 */

/** Every comparison `verifySessionToken` makes, as [given, expected]. */
const compared = vi.hoisted(() => [] as Array<[string, string]>);
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString(), Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString()]);
      return crypto.timingSafeEqual(a, b);
    },
  };
});

let f: WebFixture;
let id: string;
let token: string;
let otherToken: string;
let deleted: { id: string; token: string };

const swapCase = (s: string) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
const hmac = (sessionId: string, encoding: 'base64' | 'hex') => createHmac('sha256', f.config.web.linkSecret!).update(sessionId).digest(encoding);

/** Query strings that must not open session `id`; each named for the failure message. */
function forgeries(): Array<[name: string, query: string]> {
  return [
    ['truncated by one character', `t=${token.slice(0, -1)}`],
    ['its first half', `t=${token.slice(0, 21)}`],
    ['upper- and lower-case swapped', `t=${swapCase(token)}`],
    ['with base64 padding', `t=${token}=`],
    ['with URL-encoded padding', `t=${token}%3D`],
    ['with a space before it', `t=%20${token}`],
    ['as standard base64 (the same HMAC)', `t=${encodeURIComponent(hmac(id, 'base64'))}`],
    ['as hex (the same HMAC)', `t=${hmac(id, 'hex')}`],
    ['twice', `t=${token}&t=${token}`],
    ['after a wrong one', `t=${otherToken}&t=${token}`],
    ['under another name', `token=${token}`],
    ["another session's, same length", `t=${otherToken}`],
  ];
}

type Route = { name: string; request: (sessionId: string, query: string) => Promise<Response> };
const routes: Route[] = [
  { name: 'page', request: (s, q) => fetch(`${f.base}/s/${s}?${q}`) },
  { name: 'JSON API', request: (s, q) => fetch(`${f.base}/api/sessions/${s}?${q}`) },
  { name: 'event stream', request: (s, q) => fetch(`${f.base}/api/progress/${s}?${q}`, { headers: { accept: 'text/event-stream' } }) },
  {
    name: 'PATCH todo',
    request: (s, q) =>
      fetch(`${f.base}/api/sessions/${s}/todos/1?${q}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"completed":true}' }),
  },
  {
    name: 'todo form',
    request: (s, q) =>
      fetch(`${f.base}/s/${s}/todos?${q}`, { method: 'POST', body: new URLSearchParams([['shown', '1:0'], ['done', '1']]), redirect: 'manual' }),
  },
];

const storedTodos = () => f.core.store.getJson(f.core.layout.todos(id));

/** What a route answers for a session that never existed, asked with that id's own valid token. */
async function unknownAnswer(route: Route): Promise<{ status: number; body: string }> {
  const never = randomUUID();
  const r = await route.request(never, `t=${f.token(never)}`);
  return { status: r.status, body: await r.text() };
}

beforeAll(async () => {
  f = await startWebFixture({ heartbeatMs: 100 });
  id = (await f.processingSession()).id;
  await f.complete(id);
  token = f.token(id);
  const other = (await f.processingSession()).id;
  otherToken = f.token(other);
  const gone = (await f.processingSession()).id;
  await f.complete(gone);
  await f.core.sessionService.delete(gone, { platform: 'cli', workspaceId: null, externalId: 'operator' }, true);
  deleted = { id: gone, token: f.token(gone) };
});

afterAll(async () => {
  await f?.close();
});

describe('an almost-right token', () => {
  it.each(routes.map((r) => [r.name, r] as const))('gets the %s’s one 404, the answer for a session that never existed', async (_name, route) => {
    const expected = await unknownAnswer(route);
    expect(expected.status).toBe(404);
    const todosBefore = await storedTodos();
    for (const [name, query] of forgeries()) {
      const r = await route.request(id, query);
      expect({ name, status: r.status, body: await r.text() }).toEqual({ name, ...expected });
    }
    expect(await storedTodos()).toEqual(todosBefore); // no tick went through
    // The token itself still opens it, so the 404s above were the forgeries' doing.
    const opened = await route.request(id, `t=${token}`);
    expect(opened.status).toBeLessThan(400);
    await opened.body?.cancel();
  });

  it('for a deleted session, its own token, gets that same 404 everywhere', async () => {
    for (const route of routes) {
      const expected = await unknownAnswer(route);
      const r = await route.request(deleted.id, `t=${deleted.token}`);
      expect({ route: route.name, status: r.status, body: await r.text() }).toEqual({ route: route.name, ...expected });
    }
    const stream = await openStream(`${f.base}/api/progress/${deleted.id}?t=${deleted.token}`);
    await stream.ended;
    expect({ status: stream.status, events: stream.events }).toEqual({ status: 404, events: [] });
  });
});

describe('the comparison', () => {
  it('runs in constant time over the whole token, whichever character is wrong', async () => {
    const sameLength = [swapCase(token), otherToken, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, `${token[0] === 'A' ? 'B' : 'A'}${token.slice(1)}`];
    for (const forged of sameLength) {
      compared.length = 0;
      expect((await fetch(`${f.base}/api/sessions/${id}?t=${forged}`)).status).toBe(404);
      expect(compared).toEqual([[forged, token]]);
    }
    compared.length = 0;
    expect((await fetch(`${f.base}/api/sessions/${id}?t=${token}`)).status).toBe(200);
    expect(compared).toEqual([[token, token]]);
  });
});
