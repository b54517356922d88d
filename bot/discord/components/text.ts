/** Discord's limit on a message's `content`. */
export const MAX_CONTENT = 2000;

export const discordLink = (url: string, label: string) => `[${label}](${url})`;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Mentions in our messages are never meant to ping anyone (a filename could contain `@everyone`). */
export const NO_MENTIONS = { parse: [] as never[] };
