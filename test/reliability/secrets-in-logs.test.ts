import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBots, type RunningBots } from '../../bot/bots.js';
import { runCli } from '../../cli/cli.js';
import { signSessionToken } from '../../core/links.js';
import type { DestinationStream } from '../../core/logger.js';
import { buildWebApp } from '../../web/app.js';
import { replies } from '../fakes/openai-fake.js';
import { startSlackFake, type SlackFake } from '../fakes/slack-fake.js';
import { closeServer } from '../helpers/http.js';
import { startLinkServer } from '../helpers/link-servers.js';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness.js';
import { until } from '../helpers/until.js';
import { sessionsOf } from '../helpers/sessions.js';

/**
 * Every log line of a full run at LOG_LEVEL=trace, the chat bot, the status page and failures included, is
 * read back: none may carry a credential, a signed URL or a capability token.
 */

const lines: string[] = [];
const capture: DestinationStream = { write: (line: string) => void lines.push(line) };

const HF_TOKEN = 'hf_SecretHuggingFaceToken0123456789';
const LINK_SECRET = 'link-secret-for-the-log-test-0123456789abcdef';
const OPENAI_API_KEY = 'sk-test'; // what the harness's OpenAI fake accepts
/** A user's own credential in the query of the link they send (a presigned link from elsewhere). */
const USER_LINK_QUERY = 'X-Amz-Signature=users0wnsignature&token=users0wntoken';

let fake: SlackFake;
let h: PipelineHarness;
let bots: RunningBots;
let links: { url: string; close(): Promise<void> };
let web: { base: string; close(): Promise<void> };
const sessionIds = new Set<string>();

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return port;
}

beforeAll(async () => {
  fake = await startSlackFake();
  const port = await freePort();
  h = await startPipelineHarness(
    {
      LOG_LEVEL: 'trace',
      LINK_SECRET,
      HF_TOKEN,
      JOB_MAX_ATTEMPTS: '2',
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: fake.signingSecret,
      SLACK_API_URL: fake.apiUrl,
      SLACK_PORT: String(port),
    },
    { logDestination: capture },
  );
  fake.eventsUrl = `http://127.0.0.1:${port}/slack/events`;
  bots = (await startBots(h.core, { minEditIntervalMs: 100 }))!;
  links = await startLinkServer(await readFile(h.video));
  const app = buildWebApp(h.core, { linkSecret: LINK_SECRET });
  await app.listen({ port: 0, host: '127.0.0.1' });
  web = { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
});

afterAll(async () => {
  await bots?.stop();
  await Promise.all([web?.close(), links?.close(), fake?.close()]);
  await h?.close();
});

async function cli(...args: string[]) {
  const out: string[] = [];
  await runCli([...args, '--json'], h.core, { out: (l) => out.push(l), err: () => {} }, 100);
  const result = JSON.parse(out.join('\n')) as { id: string; status: string; error: { code: string } | null };
  sessionIds.add(result.id);
  return result;
}

/** The sessions the Slack user has, once all have ended. */
async function slackSessionsEnded(userId: string, count: number) {
  return until(`${userId}'s ${count} sessions to end`, async () => {
    const sessions = await sessionsOf(h.core, { platform: 'slack', workspaceId: fake.teamId, externalId: userId });
    return sessions.length >= count && sessions.every((s) => ['COMPLETED', 'FAILED'].includes(s.status)) && sessions;
  });
}

describe('a run that touches every credential', () => {
  it('completes from the command line, from a link, and from Slack, and its pages are viewed', async () => {
    expect(await cli('submit', h.video, '--wait')).toMatchObject({ status: 'COMPLETED' });
    expect(await cli('submit', `${links.url}/standup.mp4`, '--wait')).toMatchObject({ status: 'COMPLETED' });

    const alice = fake.addUser({ id: 'U0ALICE', name: 'alice' });
    const file = fake.uploadFile({ name: 'standup.mp4', mimetype: 'video/mp4', bytes: await readFile(h.video), user: alice.id });
    await fake.fileShare({ user: alice, files: [file], stub: true });
    await fake.slashCommand({ user: alice, text: `<${links.url}/standup.mp4>` });
    const sessions = await slackSessionsEnded(alice.id, 2);
    for (const s of sessions) sessionIds.add(s.id);
    expect(sessions.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED']);
    // The results with their status-page links went out, so their tokens were in hand.
    await fake.waitFor(() => fake.calls.filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes('?t=')).length >= 2);

    for (const id of sessionIds) {
      const token = signSessionToken(id, LINK_SECRET);
      expect((await fetch(`${web.base}/s/${id}?t=${token}`)).status).toBe(200);
      expect((await fetch(`${web.base}/api/sessions/${id}?t=${token}x`)).status).toBe(404);
    }
  });

  it('fails: dead links with a credential in them, a Slack file that is gone, a recording gone from storage, a rejected API key', async () => {
    expect(await cli('submit', `${links.url}/gone.mp4?${USER_LINK_QUERY}`)).toMatchObject({ error: { code: 'LINK_NOT_FOUND' } });
    const bob = fake.addUser({ id: 'U0BOB', name: 'bob' });
    await fake.slashCommand({ user: bob, text: `<${links.url}/gone.mp4?${USER_LINK_QUERY}>` });
    const lost = fake.uploadFile({ name: 'lost.mp4', mimetype: 'video/mp4', bytes: await readFile(h.video), user: bob.id });
    const gone = { ...lost, id: `${lost.id}GONE`, url_private_download: lost.url_private_download.replace(lost.id, `${lost.id}GONE`) };
    await fake.fileShare({ user: bob, files: [gone] });
    for (const s of await slackSessionsEnded(bob.id, 2)) sessionIds.add(s.id);

    // Storage: the recording vanished before the processor read it through its presigned URL.
    const missing = await h.processingSession();
    sessionIds.add(missing.id);
    await h.core.store.deletePrefix(h.core.layout.original(missing.id, 'mp4'));
    await h.core.queue.publish('transcribe', { v: 1, sessionId: missing.id, options: missing.options });
    expect(await h.finalState(missing.id)).toMatchObject({ status: 'FAILED', errorCode: 'STORAGE_UNAVAILABLE' });

    // The LLM refuses the key.
    h.openai.always('chat', replies.unauthorized());
    try {
      expect(await cli('submit', h.video, '--wait')).toMatchObject({ status: 'FAILED', error: { code: 'LLM_UNAVAILABLE' } });
    } finally {
      h.openai.always('chat', null);
    }
  });

  it('wrote every line without a secret, signed URL or token', () => {
    const log = lines.join('');
    // The capture works: debug lines, the Slack client's request bodies (where status-page links travel), failures.
    expect(lines.length).toBeGreaterThan(100);
    expect(log).toContain('"level":20');
    expect(log).toContain('http request body');
    expect(log).toMatch(/"code":"STORAGE_UNAVAILABLE"/);

    const { s3, slack } = h.config;
    const secrets: Record<string, string> = {
      S3_SECRET_KEY: s3.secretAccessKey,
      S3_ACCESS_KEY: s3.accessKeyId,
      OPENAI_API_KEY,
      SLACK_BOT_TOKEN: slack.botToken!,
      SLACK_SIGNING_SECRET: slack.signingSecret!,
      LINK_SECRET,
      HF_TOKEN,
      "the user's signature": 'users0wnsignature',
      "the user's token": 'users0wntoken',
      ...Object.fromEntries([...sessionIds].map((id) => [`page token of ${id}`, signSessionToken(id, LINK_SECRET)])),
    };
    const found = Object.entries(secrets).filter(([, value]) => log.includes(value));
    expect(found.map(([name]) => name)).toEqual([]);
    const shapes = [/X-Amz-Signature/i, /X-Amz-Credential/i, /[?&]t=[\w-]{20,}/, /Bearer\s+(?!\[redacted\])\S/i, /\bBot\s+[\w-]{20,}\.[\w-]+\.[\w-]+/];
    expect(shapes.filter((shape) => shape.test(log)).map(String)).toEqual([]);
  });
});
