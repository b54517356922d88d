import { DiscordAPIError, RESTJSONErrorCodes, Routes, type REST } from 'discord.js';
import { z } from 'zod';
import type { Session } from '../../core/domain/session.js';
import type { Logger } from '../../core/logger.js';
import type { ChatPlatform, ResultsView, StatusView } from '../chat-platform.js';
import { resultsMessages } from './components/results-messages.js';
import { statusMessage } from './components/status-message.js';
import { NO_MENTIONS } from './components/text.js';
import { formatMessageRef, parseMessageRef, type MessageRef } from './message-ref.js';

const createdMessageSchema = z.object({ id: z.string(), channel_id: z.string() });

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
    const thread = session.origin.threadRef;
    if (!thread) throw new Error(`session ${session.id} has no Discord thread`);
    const refs: string[] = [];
    for (const body of resultsMessages(session.id, view)) {
      refs.push(formatMessageRef(await this.post(thread, body)));
    }
    return refs;
  }

  async updateResults(session: Session, view: ResultsView): Promise<string[]> {
    const messages = resultsMessages(session.id, view);
    const refs = session.resultsMessageRefs.slice(0, messages.length);
    // Edited one for one: the summary too, which a new version of the notes (or a speaker's name) changes.
    // A regenerated list of another length gets the pages it needs in the thread, and loses those it does not.
    for (const [i, message] of messages.entries()) {
      const ref = parseMessageRef(refs[i] ?? null);
      if (ref) await this.edit(ref, message, session.id);
      else if (session.origin.threadRef) refs[i] = formatMessageRef(await this.post(session.origin.threadRef, message));
    }
    for (const surplus of session.resultsMessageRefs.slice(messages.length)) {
      const ref = parseMessageRef(surplus);
      if (ref) await this.remove(ref, session.id);
    }
    return refs;
  }

  /** Posts a message in a channel or thread; it never pings anyone, whatever names it shows. */
  async post(channelId: string, body: object): Promise<MessageRef> {
    const created = createdMessageSchema.parse(await this.rest.post(Routes.channelMessages(channelId), { body: { ...body, allowed_mentions: NO_MENTIONS } }));
    return { channelId: created.channel_id, messageId: created.id };
  }

  /** Deletes a message; one already gone is skipped. */
  private async remove(ref: MessageRef, sessionId: string): Promise<void> {
    try {
      await this.rest.delete(Routes.channelMessage(ref.channelId, ref.messageId));
    } catch (err) {
      if (!(err instanceof DiscordAPIError && GONE.has(err.code))) throw err;
      this.log.info({ sessionId, ref }, 'discord message is gone; not deleted');
    }
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
