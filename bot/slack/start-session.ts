import { z } from 'zod';
import type { ChatUser } from '../../core/domain/chat-user.js';
import { isTimeZone } from '../../core/domain/due-date.js';
import { isAppError } from '../../core/errors.js';
import type { MediaSource } from '../../core/ingest/ingest.service.js';
import type { StartedSession } from '../../core/sessions/session.service.js';
import { TooManyActiveError } from '../../core/sessions/too-many-active.js';
import { receivingView, refusedView } from '../render.js';
import { statusMessage } from './blocks/status-message.js';
import type { SlackContext } from './context.js';
import { formatMessageRef } from './message-ref.js';

/** How a person at their limit stops a recording from Slack. */
const HOW_TO_STOP_ONE = 'or stop one with `/whisper cancel <id>` (`/whisper list` shows them)';

export interface SessionRequest {
  teamId: string;
  channelId: string;
  /** Set when the request came from inside a thread: Slack has no threads in threads, so it stays there. */
  threadTs: string | null;
  user: ChatUser;
  source: MediaSource;
  /** The shared file's name, cleaned (displayName); null for links, which ingest names. */
  filename: string | null;
}

/**
 * Posts the status message, whose thread becomes the session's, then starts the session pointing at it:
 * the notifier edits that message and posts the results in its thread. A session refused at the start
 * (too many at once) leaves the status message saying why, and the refusal is rethrown in Slack's words.
 */
export async function startInThread(ctx: SlackContext, req: SessionRequest): Promise<StartedSession> {
  const title = req.filename ?? 'Recording';
  const status = await ctx.platform.post(req.channelId, statusMessage(receivingView(title)), req.threadTs);
  try {
    return await ctx.sessions.start({
      user: req.user,
      timeZone: await personTimeZone(ctx, req.user.externalId),
      origin: { platform: 'slack', workspaceId: req.teamId, channelId: req.channelId, threadRef: req.threadTs ?? status.ts, statusMessageRef: formatMessageRef(status) },
      source: req.source,
      filename: req.filename,
    });
  } catch (err) {
    const refusal = err instanceof TooManyActiveError ? err.withHowToStopOne(HOW_TO_STOP_ONE) : err;
    if (isAppError(refusal)) await ctx.platform.edit(status, statusMessage(refusedView(title, refusal)), null);
    throw refusal;
  }
}

const userZoneSchema = z.object({ user: z.object({ tz: z.string().optional() }) });

/**
 * The person's IANA zone from their Slack profile: todo due dates ("by Friday") are read in it. Null when
 * Slack does not say or cannot be asked; the session then uses DEFAULT_TIME_ZONE.
 */
async function personTimeZone(ctx: SlackContext, userId: string): Promise<string | null> {
  try {
    const { tz } = userZoneSchema.parse(await ctx.client.users.info({ user: userId })).user;
    return tz !== undefined && isTimeZone(tz) ? tz : null;
  } catch (err) {
    ctx.log.warn({ err, userId }, 'users.info failed; the session uses the default time zone');
    return null;
  }
}
