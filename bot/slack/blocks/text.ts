import { clip } from '../../../core/domain/text.js';

/** Block Kit limits this bot runs into (api.slack.com/reference/block-kit). */
export const LIMITS = {
  sectionText: 3000,
  headerText: 150,
  /** An option's text and description, in checkboxes. */
  optionText: 75,
  blocksPerMessage: 50,
} as const;

/** Slack reads `&`, `<` and `>` in mrkdwn as markup (`<!channel>`, `<url|label>`): user text is escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** User text as mrkdwn within `max` characters, never cutting an escape in half. */
export function mrkdwnText(text: string, max: number): string {
  return clip(escapeMrkdwn(text), max).replace(/&[a-z]{0,3}…$/, '…');
}

/** `<url|label>`: the link format of Slack's mrkdwn. */
export const slackLink = (url: string, label: string) => `<${url}|${escapeMrkdwn(label)}>`;
