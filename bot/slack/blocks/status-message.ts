import type { types } from '@slack/bolt';
import { isFinal } from '../../../core/domain/session.js';
import type { StatusView } from '../../chat-platform.js';
import { progressBar, statusLine } from '../../render.js';
import { LIMITS, mrkdwnText } from './text.js';

/** The link button's action: Slack sends it to the app too, and it must be acknowledged. */
export const OPEN_PAGE_ACTION = 'wn-open-status-page';
/** The Retry button of a failed session's status message; its value is the session id. */
export const RETRY_ACTION = 'wn-retry-session';

export interface SlackMessage {
  /** Shown in notifications and by clients that cannot draw blocks. */
  text: string;
  blocks: types.KnownBlock[];
}

/** The status message at the root of a session's thread: title, progress bar, stage and ETA, link button. */
export function statusMessage(view: StatusView): SlackMessage {
  const line = statusLine(view);
  // Verbatim: the title is someone's file name, and Slack would otherwise link-ify names and mentions in it.
  const blocks: types.KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `🎙️ *${mrkdwnText(view.title, 200)}*`, verbatim: true } }];
  if (!isFinal(view.status)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`${progressBar(view.percent)}\`` } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwnText(line, LIMITS.sectionText) }] });
  if (view.retry) blocks.push({ type: 'actions', elements: [{ type: 'button', action_id: RETRY_ACTION, text: { type: 'plain_text', text: 'Retry' }, value: view.retry }] });
  if (view.link) blocks.push({ type: 'actions', elements: [pageButton(view.link, 'Open the status page')] });
  return { text: mrkdwnText(`${view.title}: ${line}`, LIMITS.sectionText), blocks };
}

/** A button that opens the status page (Slack still reports the click: OPEN_PAGE_ACTION). */
export function pageButton(url: string, label: string): types.Button {
  return { type: 'button', action_id: OPEN_PAGE_ACTION, text: { type: 'plain_text', text: label }, url };
}
