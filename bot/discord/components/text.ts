/** Discord's limit on a message's `content`. */
export const MAX_CONTENT = 2000;

export const discordLink = (url: string, label: string) => `[${label}](${url})`;

/**
 * User text (a file name) as literal Discord markdown: each character markdown, a masked link, a mention
 * or a custom emoji could start with is backslash-escaped, and Discord shows it without the backslash.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>#\-[\]()<@:]/g, '\\$&');
}


/** Mentions in our messages are never meant to ping anyone (a filename could contain `@everyone`). */
export const NO_MENTIONS = { parse: [] as never[] };
