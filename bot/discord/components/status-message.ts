import { isFinal } from '../../../core/domain/session.js';
import type { StatusView } from '../../chat-platform.js';
import { progressBar, statusLine } from '../../render.js';
import { discordLink, escapeMarkdown, MAX_CONTENT, NO_MENTIONS } from './text.js';
import { clip } from '../../../core/domain/text.js';
import { retryRow } from './retry-button.js';

/** The status message at the top of a session's thread, as sent and as edited (an edit drops a Retry button no longer wanted). */
export function statusMessage(view: StatusView) {
  const lines = [`🎙️ **${escapeMarkdown(clip(view.title, 200))}**`];
  if (!isFinal(view.status)) lines.push(progressBar(view.percent));
  lines.push(statusLine(view));
  if (view.link) lines.push(discordLink(view.link, 'Open the status page'));
  return { content: clip(lines.join('\n'), MAX_CONTENT), components: view.retry ? [retryRow(view.retry)] : [], allowed_mentions: NO_MENTIONS };
}
