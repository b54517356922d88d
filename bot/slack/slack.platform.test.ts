import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { startSlackFake, type SlackFake } from '../../test/fakes/slack-fake.js';
import { resultsView } from '../../test/helpers/results-view.js';
import { completedChatSession } from '../../test/helpers/sessions.js';
import { parseMessageRef } from './message-ref.js';
import { SlackPlatform } from './slack.platform.js';

let fake: SlackFake;
let platform: SlackPlatform;

beforeAll(async () => {
  fake = await startSlackFake();
  platform = new SlackPlatform(new webApi.WebClient(fake.botToken, { slackApiUrl: fake.apiUrl }), createLogger('silent'));
});

afterAll(() => fake?.close());

const shown = (ref: string) => JSON.stringify(fake.message(parseMessageRef(ref)!.channel, parseMessageRef(ref)!.ts)!.blocks);

describe('results in a Slack thread', () => {
  it('get one more message when added todos outgrow them, and a message left over says so when they shrink', async () => {
    const status = await platform.post(fake.channelId, { text: 'standup.mp4' });
    const { sessionId, view: long } = resultsView(60);
    const short = { ...long, todos: { ...long.todos, todos: long.todos.todos.slice(0, 10) } };
    const session = completedChatSession(sessionId, { platform: 'slack', workspaceId: fake.teamId, channelId: fake.channelId, threadRef: status.ts, statusMessageRef: null });

    const posted = await platform.postResults(session, short);
    expect(posted).toHaveLength(1);
    const grown = await platform.updateResults({ ...session, resultsMessageRefs: posted }, long);
    expect(grown.slice(0, 1)).toEqual(posted);
    expect(grown).toHaveLength(2);
    expect(fake.threadOf(fake.channelId, status.ts).map((m) => `${m.channel}:${m.ts}`)).toEqual(grown);
    expect(shown(grown[1]!)).toContain('60. Task 60');

    const shrunk = await platform.updateResults({ ...session, resultsMessageRefs: grown }, short);
    expect(shrunk).toEqual(grown); // kept, to be used again when the list grows
    expect(shown(grown[1]!)).not.toContain('Task');
    expect(shown(grown[1]!)).toContain('The todos are all above.');
    expect(shown(grown[0]!)).toContain('10. Task 10');
  });
});
