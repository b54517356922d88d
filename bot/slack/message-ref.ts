/** A Slack message as the sessions table stores it: `channel:ts` (a message's ts is its id in a channel). */
export interface MessageRef {
  channel: string;
  ts: string;
}

export const formatMessageRef = (ref: MessageRef) => `${ref.channel}:${ref.ts}`;

export function parseMessageRef(value: string | null): MessageRef | null {
  const m = /^([A-Z0-9]{1,30}):(\d{1,12}\.\d{1,8})$/.exec(value ?? '');
  return m ? { channel: m[1]!, ts: m[2]! } : null;
}
