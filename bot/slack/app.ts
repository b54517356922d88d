import { App, webApi } from '@slack/bolt';
import { required, type Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { boltLogger } from './logger.js';

export const EVENTS_PATH = '/slack/events';

/**
 * The Bolt app: Socket Mode when an app-level token is configured (no inbound port), else HTTP on
 * `SLACK_PORT` with every request's signature checked. `SLACK_API_URL` replaces Slack's Web API base, for
 * the Socket Mode handshake (`apps.connections.open`) too.
 */
export function createSlackApp(slack: Config['slack'], log: Logger): App {
  const clientOptions: webApi.WebClientOptions = {
    ...(slack.apiUrl && { slackApiUrl: slack.apiUrl }),
    // A 429 pauses the client for its Retry-After, then the call is retried; bounded, so a stuck edit
    // cannot hold a session's later edits for half an hour.
    rejectRateLimitedCalls: false,
    retryConfig: webApi.retryPolicies.fiveRetriesInFiveMinutes,
  };
  // Initialised by `app.init()`, whose auth.test fails start-up on a wrong token or API address.
  const common = { token: required(slack.botToken, 'SLACK_BOT_TOKEN'), clientOptions, logger: boltLogger(log), deferInitialization: true };
  if (slack.appToken) return new App({ ...common, appToken: slack.appToken, socketMode: true });
  return new App({ ...common, signingSecret: required(slack.signingSecret, 'SLACK_SIGNING_SECRET'), endpoints: EVENTS_PATH, port: slack.port });
}
