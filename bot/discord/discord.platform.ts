import { DiscordAPIError, RESTJSONErrorCodes, Routes, type REST } from 'discord.js';
import { z } from 'zod';
import type { Session } from '../../core/domain/session.js';
import type { Logger } from '../../core/logger.js';
import type { ChatPlatform, ResultsView, StatusView } from '../chat-platform.js';
import { resultsMessages, type DiscordMessage } from './components/results-messages.js';
import { statusMessage } from './components/status-message.js';
import { NO_MENTIONS } from './components/text.js';
import { formatMessageRef, parseMessageRef, type MessageRef } from './message-ref.js';

const createdMessageSchema = z.object({ id: z.string(), channel_id: z.string() });
const guildMemberSchema = z.object({ nick: z.string().nullish(), user: z.object({ username: z.string(), global_name: z.string().nullish() }) });

/** The name a guild shows for a member: their nickname there, else their display name, else their user name. */
const memberDisplayName = (m: z.infer<typeof guildMemberSchema>): string => m.nick || m.user.global_name || m.user.username;

/** A page of todos the list no longer needs (todos were removed). */
const NO_MORE_TODOS = { content: '-# The todos are all above.', components: [] };

/** Someone deleted the message or the thread: nothing left to edit, and retrying will not bring it back. */
const GONE = new Set<number | string>([RESTJSONErrorCodes.UnknownMessage, RESTJSONErrorCodes.UnknownChannel]);

/**
 * Discord as the thread notifier sees it. Everything goes through REST (discord.js queues each route
 * and waits out 429s), addressed by the refs stored on the session, so it works for sessions started
 * before a restart and needs nothing from the gateway cache. Edits go to normal bot messages, never to
 * interaction replies, whose tokens die after 15 minutes.
 */
export class DiscordPlatform implements ChatPlatform {
  readonly platform = 'discord' as const;

  constructor(
    private readonly rest: REST,
    private readonly log: Logger,
  ) {}

  async updateStatus(session: Session, view: StatusView): Promise<void> {
    const ref = parseMessageRef(session.origin.statusMessageRef);
    if (!ref) return;
    await this.edit(ref, statusMessage(view), session.id);
  }

  async postResults(session: Session, view: ResultsView): Promise<string[]> {
    return this.showResults(session, resultsMessages(session.id, view), []);
  }

  async updateResults(session: Session, view: ResultsView): Promise<string[]> {
    return this.showResults(session, resultsMessages(session.id, view), session.resultsMessageRefs);
  }

  /**
   * Edits the messages one for one (the summary too, which a new version of the notes or a speaker's name
   * changes), posting one more page in the thread when the list outgrew them; a page left over when the list
   * shrank says so, and is used again when the list grows.
   */
  private async showResults(session: Session, messages: DiscordMessage[], posted: string[]): Promise<string[]> {
    const thread = session.origin.threadRef;
    if (!thread) throw new Error(`session ${session.id} has no Discord thread`);
    const refs = [...posted];
    for (const [i, message] of messages.entries()) {
      const ref = parseMessageRef(refs[i] ?? null);
      if (ref) await this.edit(ref, message, session.id);
      else if (i >= refs.length) refs.push(formatMessageRef(await this.post(thread, message)));
    }
    for (const ref of refs.slice(messages.length).map(parseMessageRef)) if (ref) await this.edit(ref, NO_MORE_TODOS, session.id);
    return refs;
  }

  async memberName(guildId: string | null, memberId: string): Promise<string | null> {
    if (!guildId) return null;
    return memberDisplayName(guildMemberSchema.parse(await this.rest.get(Routes.guildMember(guildId, memberId))));
  }

  /** Posts a message in a channel or thread; it never pings anyone, whatever names it shows. */
  async post(channelId: string, body: object): Promise<MessageRef> {
    const created = createdMessageSchema.parse(await this.rest.post(Routes.channelMessages(channelId), { body: { ...body, allowed_mentions: NO_MENTIONS } }));
    return { channelId: created.channel_id, messageId: created.id };
  }

  /** Edits a message in place; one that is gone is skipped. */
  async edit(ref: MessageRef, body: object, sessionId: string | null): Promise<void> {
    try {
      await this.rest.patch(Routes.channelMessage(ref.channelId, ref.messageId), { body: { ...body, allowed_mentions: NO_MENTIONS } });
    } catch (err) {
      if (!(err instanceof DiscordAPIError && GONE.has(err.code))) throw err;
      this.log.info({ sessionId, ref }, 'discord message is gone; not edited');
    }
  }
}
