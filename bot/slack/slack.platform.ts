import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Session } from '../../core/domain/session.js';
import type { Logger } from '../../core/logger.js';
import type { ChatPlatform, ResultsView, StatusView } from '../chat-platform.js';
import { resultsMessages } from './blocks/results-messages.js';
import { statusMessage, type SlackMessage } from './blocks/status-message.js';
import { formatMessageRef, parseMessageRef, type MessageRef } from './message-ref.js';
import { slackErrorCode } from './slack-error.js';

const postedSchema = z.object({ channel: z.string(), ts: z.string() });

/** A results message the list no longer needs (todos were removed). */
const NO_MORE_TODOS: SlackMessage = { text: 'More todos', blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: 'The todos are all above.' }] }] };

/** Someone deleted the message, or the bot left the channel: nothing to edit, and retrying will not help. */
const GONE = new Set(['message_not_found', 'channel_not_found', 'cant_update_message', 'is_archived', 'not_in_channel']);

/**
 * Slack as the thread notifier sees it: Web API calls addressed by the refs stored on the session, so it
 * works for sessions started before a restart. The client waits out 429s (see createSlackApp).
 */
export class SlackPlatform implements ChatPlatform {
  readonly platform = 'slack' as const;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
  ) {}

  async updateStatus(session: Session, view: StatusView): Promise<void> {
    const ref = parseMessageRef(session.origin.statusMessageRef);
    if (ref) await this.edit(ref, statusMessage(view), session.id);
  }

  async postResults(session: Session, view: ResultsView): Promise<string[]> {
    return this.showResults(session, resultsMessages(session.id, view), []);
  }

  async updateResults(session: Session, view: ResultsView): Promise<string[]> {
    return this.showResults(session, resultsMessages(session.id, view), session.resultsMessageRefs);
  }

  /**
   * Edits the results messages one for one, posting one more in the thread when the list outgrew them; one
   * left over when the list shrank says so, and is used again when the list grows.
   */
  private async showResults(session: Session, messages: SlackMessage[], posted: string[]): Promise<string[]> {
    const { channelId, threadRef } = session.origin;
    if (!channelId || !threadRef) throw new Error(`session ${session.id} has no Slack thread`);
    const refs = [...posted];
    for (const [i, message] of messages.entries()) {
      const ref = parseMessageRef(refs[i] ?? null);
      if (ref) await this.edit(ref, message, session.id);
      else if (i >= refs.length) refs.push(formatMessageRef(await this.post(channelId, message, threadRef)));
    }
    for (const ref of refs.slice(messages.length).map(parseMessageRef)) if (ref) await this.edit(ref, NO_MORE_TODOS, session.id);
    return refs;
  }

  /** Posts a message (blocks, or plain mrkdwn text) in a channel, or in a thread when `threadTs` is given. */
  async post(channel: string, message: SlackMessage | { text: string }, threadTs?: string | null): Promise<MessageRef> {
    const posted = await this.client.chat.postMessage({
      channel,
      ...message,
      ...(threadTs && { thread_ts: threadTs }),
      unfurl_links: false,
      unfurl_media: false,
    });
    return postedSchema.parse(posted);
  }

  /** Edits a message in place; one that is gone (deleted, channel left) is skipped. */
  async edit(ref: MessageRef, message: SlackMessage, sessionId: string | null): Promise<void> {
    try {
      await this.client.chat.update({ channel: ref.channel, ts: ref.ts, ...message });
    } catch (err) {
      const code = slackErrorCode(err);
      if (!code || !GONE.has(code)) throw err;
      this.log.info({ sessionId, ref, code }, 'slack message cannot be edited any more; skipped');
    }
  }
}
