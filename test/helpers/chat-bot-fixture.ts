import { readFile } from 'node:fs/promises';
import { startBots, type RunningBots } from '../../bot/bots.js';
import { startDiscordFake, type DiscordFake } from '../fakes/discord-fake.js';
import { startSlackFake, type SlackFake } from '../fakes/slack-fake.js';
import { freePort } from './http.js';
import { startLinkServer } from './link-servers.js';
import { startPipelineHarness, type PipelineHarness } from './pipeline-harness.js';

/** The whole pipeline with the chat bots running against a platform's fake, wired as bot/main.ts wires them. */
export interface ChatBotFixture<Fake> {
  fake: Fake;
  h: PipelineHarness;
  /** The harness's recording, as bytes to attach or serve. */
  video: Buffer;
  /** Serves `video` at `${url}/standup.mp4`, for `/whisper <link>`. */
  links: Awaited<ReturnType<typeof startLinkServer>>;
  close(): Promise<void>;
}

/** Slack in HTTP mode: the fake signs its events and posts them to the bot's own port. */
export async function startSlackBotFixture(env: Record<string, string> = {}): Promise<ChatBotFixture<SlackFake>> {
  const fake = await startSlackFake();
  const port = await freePort();
  fake.eventsUrl = `http://127.0.0.1:${port}/slack/events`;
  return startBotsWith(fake, {
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: fake.signingSecret,
    SLACK_API_URL: fake.apiUrl,
    SLACK_PORT: String(port),
    ...env,
  });
}

/** Discord: the bot connects to the fake's gateway and REST API. */
export async function startDiscordBotFixture(env: Record<string, string> = {}): Promise<ChatBotFixture<DiscordFake>> {
  const fake = await startDiscordFake();
  return startBotsWith(fake, {
    DISCORD_TOKEN: fake.token,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiUrl,
    ...env,
  });
}

async function startBotsWith<Fake extends { close(): Promise<void> }>(fake: Fake, env: Record<string, string>): Promise<ChatBotFixture<Fake>> {
  let h: PipelineHarness | undefined;
  let links: ChatBotFixture<Fake>['links'] | undefined;
  let bots: RunningBots | undefined;
  // Also what a failed start calls: it stops whatever had started.
  const close = async () => {
    await bots?.stop();
    await Promise.all([links?.close(), fake.close()]);
    await h?.close();
  };
  try {
    h = await startPipelineHarness(env);
    const video = await readFile(h.video);
    links = await startLinkServer(video);
    // Wired as bot/main.ts does: progress and todo streams → notifier → the platform; ticks → todo service.
    bots = (await startBots(h.core, { minEditIntervalMs: 100 }))!;
    return { fake, h, video, links, close };
  } catch (err) {
    await close();
    throw err;
  }
}
