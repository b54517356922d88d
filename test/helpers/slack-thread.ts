/** What the Slack e2e tests read of a thread in the fake: messages as a person sees them, and the way to a recording's results. */
import { expect } from 'vitest';
import { TODO_ACTION } from '../../bot/slack/blocks/todo-checkboxes.js';
import type { FakeSlackMessage, FakeSlackUser, FakeSlackView, SlackCall, SlackFake } from '../fakes/slack-fake.js';
import type { ChatBotFixture } from './chat-bot-fixture.js';
import { until } from './until.js';
import { sessionsOf } from './sessions.js';


/** Every text in a message's blocks, joined: what a person reads. */
export function shown(m: { blocks?: unknown }): string {
  const texts: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') texts.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks);
  return texts.join('\n');
}

export interface Checkboxes {
  blockId: string;
  options: string[];
  ticked: string[];
}

/** The todo checkboxes of a results message, one block per todo: its block id, its option (the todo id) and whether it shows ticked. */
export function checkboxesOf(m: FakeSlackMessage): Checkboxes[] {
  type Element = { type: string; action_id: string; options: Array<{ value: string }>; initial_options?: Array<{ value: string }> };
  return (m.blocks as Array<{ type: string; block_id?: string; elements?: Element[] }>).flatMap((b) =>
    (b.elements ?? [])
      .filter((e) => e.type === 'checkboxes' && e.action_id === TODO_ACTION)
      .map((e) => ({ blockId: b.block_id!, options: e.options.map((o) => o.value), ticked: (e.initial_options ?? []).map((o) => o.value) })),
  );
}

export const isPost = (c: SlackCall) => c.method === 'chat.postMessage' && c.status === 200;
export const postedTs = (c: SlackCall) => (c.response as { ts: string }).ts;

/** The modal the bot opens next (after `count` were open). */
export const viewOpened = (fake: SlackFake, count: number) => fake.waitFor(() => fake.views[count]);

/** What a person reads in a modal's inputs: the initial value of each, by block id. */
export function initialValues(v: FakeSlackView): Record<string, string | undefined> {
  type Element = { initial_value?: string; initial_option?: { value: string } };
  return Object.fromEntries(v.view.blocks.map((b): [string, string | undefined] => [b.block_id!, (b.element as Element).initial_value ?? (b.element as Element).initial_option?.value]));
}

/** Waits for the status message to say it is done, then for the results in its thread. */
export async function finished(fake: SlackFake, statusTs: string): Promise<FakeSlackMessage[]> {
  await fake.waitFor(() => /✅ Done/.test(shown(fake.message(fake.channelId, statusTs)!)), 30_000);
  return fake.waitFor(() => {
    const replies = fake.threadOf(fake.channelId, statusTs);
    return replies.length >= 1 && replies;
  });
}

export interface Meeting {
  sessionId: string;
  /** The status message: the root of the thread. */
  statusTs: string;
  results: FakeSlackMessage;
  whoSpoke: FakeSlackMessage;
}

/** A recording `user` drops in the channel, through to its results and its "Who spoke?" message in the thread. */
export async function meeting(bot: ChatBotFixture<SlackFake>, user: FakeSlackUser, name: string): Promise<Meeting> {
  const { fake } = bot;
  const core = bot.h.core;
  const file = fake.uploadFile({ name, mimetype: 'video/mp4', bytes: bot.video, user: user.id });
  await fake.fileShare({ user, files: [file] });
  const statusTs = postedTs(await fake.waitForCall((c) => isPost(c) && shown(c.args).includes(name)));
  await finished(fake, statusTs);
  const [results, whoSpoke] = await fake.waitFor(() => {
    const replies = fake.threadOf(fake.channelId, statusTs);
    return replies.length >= 2 && replies;
  });
  const session = await until('the results refs', async () => {
    const mine = await sessionsOf(core, { platform: 'slack', workspaceId: fake.teamId, externalId: user.id }, 50);
    const s = mine.find((m) => m.origin.threadRef === statusTs);
    return s && s.resultsMessageRefs.length === 2 ? s : null;
  });
  expect(session.resultsMessageRefs).toEqual([`${fake.channelId}:${results!.ts}`, `${fake.channelId}:${whoSpoke!.ts}`]);
  return { sessionId: session.id, statusTs, results: results!, whoSpoke: whoSpoke! };
}
