import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one logger. Secrets and signed URLs never reach it: the redact paths cover the fields that could
 * carry them, and code logs object keys, not presigned URLs.
 */
export function createLogger(level: string, name?: string): Logger {
  return pino({
    level,
    name,
    redact: {
      paths: ['*.token', '*.apiKey', '*.secret', '*.password', '*.authorization', '*.url', 'url', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
