import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Session } from '../../core/domain/session.js';
import type { ChannelMembers } from '../chat-platform.js';
import { MembershipCache } from '../membership-cache.js';
import { slackErrorCode } from './slack-error.js';

const membersPageSchema = z.object({ members: z.array(z.string()) });

/** The bot cannot see the channel (a private one it is not in, or one that is gone): as far as it knows, nobody is in it. */
const UNSEEN = new Set(['channel_not_found', 'not_in_channel']);

/**
 * A session's channel members as Slack lists them (`conversations.members`, page by page until the person
 * turns up): a channel's members, the people of every organisation in a Slack Connect channel, the two
 * parties of a direct message. The client waits out 429s (see createSlackApp).
 */
export class SlackChannelMembers implements ChannelMembers {
  readonly platform = 'slack' as const;
  private readonly cache = new MembershipCache();

  constructor(private readonly client: webApi.WebClient) {}

  isChannelMember(session: Session, userId: string): Promise<boolean> {
    const channel = session.origin.channelId;
    if (!channel) return Promise.resolve(false);
    return this.cache.answer(channel, userId, () => this.listed(channel, userId));
  }

  private async listed(channel: string, userId: string): Promise<boolean> {
    try {
      for await (const page of this.client.paginate('conversations.members', { channel, limit: 200 })) {
        if (membersPageSchema.parse(page).members.includes(userId)) return true;
      }
      return false;
    } catch (err) {
      const code = slackErrorCode(err);
      if (code && UNSEEN.has(code)) return false;
      throw err;
    }
  }
}
