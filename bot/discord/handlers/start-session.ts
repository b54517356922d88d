import { Routes, ThreadAutoArchiveDuration } from 'discord.js';
import { z } from 'zod';
import type { ChatUser } from '../../../core/domain/chat-user.js';
import { displayName } from '../../../core/domain/display-name.js';
import { isAppError } from '../../../core/errors.js';
import type { MediaSource } from '../../../core/ingest/ingest.service.js';
import type { StartedSession } from '../../../core/sessions/session.service.js';
import { TooManyActiveError } from '../../../core/sessions/too-many-active.js';
import { statusMessage } from '../components/status-message.js';
import type { DiscordContext } from '../context.js';
import { formatMessageRef } from '../message-ref.js';
import { receivingView, refusedView } from '../../render.js';
import { clip } from '../../../core/domain/text.js';

const threadSchema = z.object({ id: z.string() });

/** How a person at their limit stops a recording from Discord. */
const HOW_TO_STOP_ONE = 'or stop one with `/whisper action:cancel id:<id>` (`/whisper action:list` shows them)';

export interface SessionRequest {
  guildId: string;
  channelId: string;
  /** True when the request came from inside a thread: Discord has no threads in threads, so it stays there. */
  inThread: boolean;
  user: ChatUser;
  source: MediaSource;
  /** The attachment's name, cleaned (displayName); null for links, which are named by their path. */
  filename: string | null;
  /** The message that carried the recording, answered by the status message. */
  replyTo?: string;
}

/**
 * Posts the status message, starts the session's thread from it, then starts the session pointing at
 * both: the notifier edits that message and posts the results in that thread. A session refused at the
 * start (too many at once) leaves the status message saying why, and the refusal is rethrown in Discord's words.
 */
export async function startInThread(ctx: DiscordContext, req: SessionRequest): Promise<StartedSession> {
  // Named at once, so the thread's name and the status message agree from the first edit on.
  const filename = req.filename ?? (req.source.kind === 'link' ? displayName(linkName(req.source.url)) : null);
  const title = filename ?? 'Recording';
  const status = await ctx.platform.post(req.channelId, {
    ...statusMessage(receivingView(title)),
    ...(req.replyTo && { message_reference: { message_id: req.replyTo, fail_if_not_exists: false } }),
  });
  const threadId = req.inThread
    ? req.channelId
    : threadSchema.parse(
        await ctx.rest.post(Routes.threads(req.channelId, status.messageId), {
          // Thread names are plain text (no markdown): the cleaned name as it is.
          body: { name: clip(title, 100), auto_archive_duration: ThreadAutoArchiveDuration.OneDay },
        }),
      ).id;
  try {
    return await ctx.sessions.start({
      user: req.user,
      origin: { platform: 'discord', workspaceId: req.guildId, channelId: req.channelId, threadRef: threadId, statusMessageRef: formatMessageRef(status) },
      source: req.source,
      filename,
    });
  } catch (err) {
    const refusal = err instanceof TooManyActiveError ? err.withHowToStopOne(HOW_TO_STOP_ONE) : err;
    if (isAppError(refusal)) await ctx.platform.edit(status, statusMessage(refusedView(title, refusal)), null);
    throw refusal;
  }
}

/** The last path segment of a link, to name its thread. */
function linkName(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || null;
  } catch {
    return null;
  }
}
