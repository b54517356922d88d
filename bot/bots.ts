import type { Core } from '../core/app.js';
import { statusPageUrl } from '../core/links.js';
import type { BotOptions, ChatBotDeps, RunningBot } from './chat-platform.js';
import { startDiscordBot } from './discord/index.js';
import { startSlackBot } from './slack/index.js';
import { ThreadNotifier } from './thread-notifier.js';

/** What the chat bots use of the core: their platforms' needs, and what the notifier reads and renders. */
export type BotDeps = ChatBotDeps & Pick<Core, 'sessions' | 'bus' | 'streams' | 'todos' | 'notes'>;

export interface RunningBots {
  platforms: string[];
  stop(): Promise<void>;
}

/**
 * Starts the chat bots whose tokens are configured, and the two stream readers that drive them: progress
 * events edit status messages, todo events (a tick on the page or in another chat) re-render results.
 * Returns null when no platform is configured.
 */
export async function startBots(deps: BotDeps, tuning: { minEditIntervalMs?: number } = {}): Promise<RunningBots | null> {
  const { config } = deps;
  const log = deps.log.child({ component: 'bots' });
  const starters: Array<(options: BotOptions) => Promise<RunningBot>> = [];
  if (config.slack.botToken) starters.push((o) => startSlackBot(deps, o));
  if (config.discord.token) starters.push((o) => startDiscordBot(deps, o));
  if (starters.length === 0) return null;

  const { linkSecret, publicBaseUrl } = config.web;
  const linkFor = (id: string) => (linkSecret ? statusPageUrl(publicBaseUrl, id, linkSecret) : null);
  // The readers start before the bots so their consumer group exists before the first session does;
  // what they read waits for the notifier, which needs the bots' platforms.
  let ready!: (n: ThreadNotifier) => void;
  const notifier = new Promise<ThreadNotifier>((resolve) => (ready = resolve));
  const { progress, todos: ticks } = deps.streams;
  progress.start(async (event) => (await notifier).handle(event));
  ticks.start(async (event) => (await notifier).todoEvent(event));

  const options: BotOptions = {
    linkFor,
    todos: deps.todos.service,
    notes: deps.notes,
    todosChanged: async (id) => (await notifier).todosChanged(id),
    askWhoSpoke: async (id) => (await notifier).askWhoSpoke(id),
  };
  const bots = await Promise.all(starters.map((start) => start(options)));
  ready(
    new ThreadNotifier({
      platforms: bots.map((b) => b.platform),
      sessions: deps.sessions,
      bus: deps.bus,
      results: (id) => deps.sessionService.results(id),
      speakers: deps.speakers,
      linkFor,
      log,
      minIntervalMs: tuning.minEditIntervalMs,
    }),
  );
  const platforms = bots.map((b) => b.platform.platform);
  log.info({ platforms }, 'chat bots running');
  return {
    platforms,
    stop: async () => {
      await Promise.all([progress.stop(), ticks.stop()]);
      await Promise.all(bots.map((b) => b.stop()));
    },
  };
}
