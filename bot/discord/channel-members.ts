import { DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes, type Client } from 'discord.js';
import type { Session } from '../../core/domain/session.js';
import type { ChannelMembers } from '../chat-platform.js';
import { MembershipCache } from '../membership-cache.js';

/** Discord's answers for a person, channel or server the bot cannot find or see: not a member, as far as it knows. */
const ABSENT = new Set<number | string>([
  RESTJSONErrorCodes.UnknownMember,
  RESTJSONErrorCodes.UnknownUser,
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.UnknownGuild,
  RESTJSONErrorCodes.MissingAccess,
]);

/**
 * A session's channel members as Discord decides them: whoever may view the channel (ViewChannel), as
 * discord.js computes it from the server's roles and the channel's permission overwrites; in a thread, its
 * parent channel's. The server and its channels come from the gateway cache, which the Guilds intent keeps
 * current (fetched through REST when missing); the member is fetched each time, since role changes reach
 * the bot only with the privileged GuildMembers intent. discord.js waits out 429s.
 */
export class DiscordChannelMembers implements ChannelMembers {
  readonly platform = 'discord' as const;
  private readonly cache = new MembershipCache();

  constructor(private readonly client: Client) {}

  isChannelMember(session: Session, userId: string): Promise<boolean> {
    const { workspaceId: guildId, channelId } = session.origin;
    if (!guildId || !channelId) return Promise.resolve(false);
    return this.cache.answer(channelId, userId, () => this.canView(guildId, channelId, userId));
  }

  private async canView(guildId: string, channelId: string, userId: string): Promise<boolean> {
    try {
      const guild = await this.client.guilds.fetch(guildId);
      const channel = await guild.channels.fetch(channelId);
      const viewed = channel?.isThread() ? channel.parentId && (await guild.channels.fetch(channel.parentId)) : channel;
      if (!viewed) return false;
      const member = await guild.members.fetch({ user: userId, force: true });
      return viewed.permissionsFor(member)?.has(PermissionFlagsBits.ViewChannel) ?? false;
    } catch (err) {
      if (err instanceof DiscordAPIError && ABSENT.has(err.code)) return false;
      throw err;
    }
  }
}
