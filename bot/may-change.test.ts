import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { uploadingSession } from '../test/helpers/sessions.js';
import { useTestCore } from '../test/helpers/test-core.js';
import type { Core } from '../core/app.js';
import type { ChatUser } from '../core/domain/chat-user.js';
import type { ChatOrigin, Session } from '../core/domain/session.js';
import type { ChannelMembers } from './chat-platform.js';
import { mayChange, mayRetry } from './may-change.js';

/**
 * Who may change a session's notes from chat (docs/architecture.md#chat), on the real session service;
 * the chat platform's answer about its channel's members is the stand-in below.
 */

const testCore = useTestCore();
let core: Core;
const workspace = `may-change-${randomUUID()}`;
const uploader: ChatUser = { platform: 'slack', workspaceId: workspace, externalId: 'U0ANA' };
const member: ChatUser = { ...uploader, externalId: 'U0BEN' };
const outsider: ChatUser = { ...uploader, externalId: 'U0CAL' };
const slackOrigin: ChatOrigin = { platform: 'slack', workspaceId: workspace, channelId: 'C0TEAM', threadRef: '1.0', statusMessageRef: 'C0TEAM:1.0' };

/** A Slack workspace whose channel C0TEAM has the member; records what it was asked. */
function slackChannel(): ChannelMembers & { asked: string[] } {
  const asked: string[] = [];
  return {
    platform: 'slack',
    asked,
    isChannelMember(session: Session, userId: string) {
      asked.push(`${session.origin.channelId} ${userId}`);
      return Promise.resolve(session.origin.channelId === 'C0TEAM' && userId === member.externalId);
    },
  };
}

async function sessionFrom(origin: ChatOrigin): Promise<Session> {
  const session = await uploadingSession(core, await core.users.resolve(uploader), { origin });
  testCore.created.push(session.id);
  return session;
}

beforeAll(async () => {
  core = testCore.core;
});


describe('mayChange', () => {
  it('lets the uploader, without asking the platform, and the members of the session’s channel; not anyone else', async () => {
    const session = await sessionFrom(slackOrigin);
    const members = slackChannel();
    const gate = { sessions: core.sessionService, members };
    expect(await mayChange(gate, session, uploader)).toBe(true);
    expect(members.asked).toEqual([]);
    expect(await mayChange(gate, session, member)).toBe(true);
    expect(await mayChange(gate, session, outsider)).toBe(false);
    expect(members.asked).toEqual(['C0TEAM U0BEN', 'C0TEAM U0CAL']);
  });

  it('knows no channel members for a session from another platform or from no channel', async () => {
    const members = slackChannel();
    const gate = { sessions: core.sessionService, members };
    const fromDiscord = await sessionFrom({ ...slackOrigin, platform: 'discord' });
    const fromCli = await sessionFrom({ platform: 'cli', workspaceId: null, channelId: null, threadRef: null, statusMessageRef: null });
    expect(await mayChange(gate, fromDiscord, member)).toBe(false);
    expect(await mayChange(gate, fromCli, member)).toBe(false);
    // A person of another platform is no member of a Slack channel, whatever their id.
    expect(await mayChange(gate, await sessionFrom(slackOrigin), { ...member, platform: 'discord' })).toBe(false);
    expect(members.asked).toEqual([]);
    expect(await mayChange(gate, fromCli, uploader)).toBe(true);
  });
});

describe('mayRetry', () => {
  it('adds admins, asked only when the person may not change the notes otherwise', async () => {
    const session = await sessionFrom(slackOrigin);
    const gate = { sessions: core.sessionService, members: slackChannel() };
    const adminAsked: string[] = [];
    const admin = (user: ChatUser, is: boolean) => () => {
      adminAsked.push(user.externalId);
      return Promise.resolve(is);
    };
    expect(await mayRetry(gate, member, admin(member, false))(session)).toBe(true);
    expect(await mayRetry(gate, outsider, admin(outsider, false))(session)).toBe(false);
    expect(await mayRetry(gate, outsider, admin(outsider, true))(session)).toBe(true);
    expect(adminAsked).toEqual(['U0CAL', 'U0CAL']);
  });
});
