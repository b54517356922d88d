import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { required } from '../../core/config.js';
import type { BotOptions, ChatBotDeps, RunningBot } from '../chat-platform.js';
import { createSlackApp } from './app.js';
import { SlackChannelMembers } from './channel-members.js';
import { registerListeners } from './listeners/index.js';
import { SlackPlatform } from './slack.platform.js';

export interface SlackBot extends RunningBot {
  platform: SlackPlatform;
  /** The port `/slack/events` listens on in HTTP mode; null in Socket Mode. */
  port: number | null;
}

/**
 * Checks the bot token, then serves `/whisper`, file shares and todo checkboxes until stopped: over
 * Socket Mode when `SLACK_APP_TOKEN` is set, else on `SLACK_PORT`.
 */
export async function startSlackBot(deps: ChatBotDeps, options: BotOptions): Promise<SlackBot> {
  const { slack } = deps.config;
  const botToken = required(slack.botToken, 'SLACK_BOT_TOKEN');
  const log = deps.log.child({ component: 'slack' });
  const app = createSlackApp(slack, log);
  await app.init();
  const platform = new SlackPlatform(app.client, log);
  registerListeners(app, {
    ...options,
    sessions: deps.sessionService,
    members: new SlackChannelMembers(app.client),
    speakers: deps.speakers,
    questions: deps.questions,
    platform,
    client: app.client,
    claims: deps.chatEventClaims,
    botToken,
    maxMediaBytes: deps.config.ingest.maxMediaBytes,
    log,
  });

  const started: unknown = await app.start();
  const port = slack.appToken ? null : ((started as Server).address() as AddressInfo).port;
  log.info({ mode: slack.appToken ? 'socket' : 'http', port }, 'slack bot ready');
  return {
    platform,
    port,
    stop: async () => {
      await app.stop();
    },
  };
}
