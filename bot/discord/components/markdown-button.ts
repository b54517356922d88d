import { ButtonStyle, ComponentType, type APIButtonComponent } from 'discord.js';

const PREFIX = 'wn:notes-md';
const PATTERN = new RegExp(`^${PREFIX}:([0-9a-f-]{36})$`);

/** "Notes as Markdown" under a session's summary: a click answers with the notes as a file. */
export function markdownButton(sessionId: string): APIButtonComponent {
  return { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Notes as Markdown', emoji: { name: '📝' }, custom_id: `${PREFIX}:${sessionId}` };
}

/** The session whose notes a "Notes as Markdown" button exports, or null when the id is not that button's. */
export function parseMarkdownButtonId(customId: string): string | null {
  return PATTERN.exec(customId)?.[1] ?? null;
}
