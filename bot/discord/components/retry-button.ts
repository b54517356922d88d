import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';

const PREFIX = 'wn:retry';
const PATTERN = new RegExp(`^${PREFIX}:([0-9a-f-]{36})$`);

/** The row with the Retry button of a failed session's status message. */
export function retryRow(sessionId: string): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: [{ type: ComponentType.Button, style: ButtonStyle.Primary, label: 'Retry', emoji: { name: '🔁' }, custom_id: `${PREFIX}:${sessionId}` }],
  };
}

/** The session a Retry button starts again, or null when the id is not a Retry button's. */
export function parseRetryButtonId(customId: string): string | null {
  return PATTERN.exec(customId)?.[1] ?? null;
}
