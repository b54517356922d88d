import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { startDiscordFake, type DiscordFake } from '../../test/fakes/discord-fake.js';
import { resultsView } from '../../test/helpers/results-view.js';
import { completedChatSession } from '../../test/helpers/sessions.js';
import { restOptions } from './client.js';
import { DiscordPlatform } from './discord.platform.js';
import { parseMessageRef } from './message-ref.js';

let fake: DiscordFake;
let platform: DiscordPlatform;

beforeAll(async () => {
  fake = await startDiscordFake();
  platform = new DiscordPlatform(new REST(restOptions({ apiUrl: fake.apiUrl })).setToken(fake.token), createLogger('silent'));
});

afterAll(() => fake?.close());

const content = (ref: string) => fake.messages.get(parseMessageRef(ref)!.messageId)!.content;

describe('results in a Discord thread', () => {
  it('get more pages when added todos outgrow them, and a page left over says so when they shrink', async () => {
    const { sessionId, view: long } = resultsView(25);
    const short = { ...long, todos: { ...long.todos, todos: long.todos.todos.slice(0, 5) } };
    const session = completedChatSession(sessionId, { platform: 'discord', workspaceId: fake.guildId, channelId: fake.channelId, threadRef: fake.channelId, statusMessageRef: null });

    const posted = await platform.postResults(session, short);
    expect(posted).toHaveLength(2); // the summary and one page
    const grown = await platform.updateResults({ ...session, resultsMessageRefs: posted }, long);
    expect(grown.slice(0, 2)).toEqual(posted);
    expect(grown).toHaveLength(4); // 25 todos, 10 a page
    expect(content(grown[3]!)).toContain('**25.** Task 25');

    const shrunk = await platform.updateResults({ ...session, resultsMessageRefs: grown }, short);
    expect(shrunk).toEqual(grown); // kept, to be used again when the list grows
    expect(grown.slice(2).map(content)).toEqual(['-# The todos are all above.', '-# The todos are all above.']);
    expect(fake.messages.get(parseMessageRef(grown[2]!)!.messageId)!.components).toEqual([]);
    expect(content(grown[1]!)).toContain('**5.** Task 5');
  });
});
