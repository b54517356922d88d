/** A message as the sessions table stores it: `channelId:messageId` (threads are channels too). */
export interface MessageRef {
  channelId: string;
  messageId: string;
}

export const formatMessageRef = (ref: MessageRef) => `${ref.channelId}:${ref.messageId}`;

export function parseMessageRef(value: string | null): MessageRef | null {
  const m = /^(\d{1,25}):(\d{1,25})$/.exec(value ?? '');
  return m ? { channelId: m[1]!, messageId: m[2]! } : null;
}
