import { destination as fileDestination, pino, type DestinationStream, type Logger } from 'pino';

export type { DestinationStream, Logger };

/**
 * The one logger. Secrets and signed URLs never reach its output: the redact paths cover the fields that
 * could carry them (headers, an HTTP client's request config), and every line is scrubbed of what reads as
 * a credential, because libraries log text we do not shape (Slack's client logs each request body, and a
 * status message carries the page's capability token). `destination` (stdout when absent) lets tests read
 * every line.
 */
export function createLogger(level: string, name?: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    name,
    redact: {
      paths: [
        '*.token', '*.apiKey', '*.secret', '*.password', '*.authorization', '*.url', 'url', 'headers.authorization',
        '*.headers.authorization', '*.headers.Authorization', 'err.config', 'err.request', 'err.response',
      ],
      censor: '[redacted]',
    },
  };
  return pino(options, scrubbed(destination ?? fileDestination(1)));
}

const REDACTED = '[redacted]';

/** Where credentials show in text, and what each becomes. */
const SECRETS: Array<[pattern: RegExp, replacement: string]> = [
  // Query parameters: page tokens (`t`), S3 and GCS signatures, API keys, OAuth codes.
  [/([?&](?:t|token|access_token|id_token|code|key|api[_-]?key|sig|signature|X-Amz-[\w-]+|X-Goog-[\w-]+)=)[^&#\s"'\\<>|]+/gi, `$1${REDACTED}`],
  // Authorization header values.
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, `$1 ${REDACTED}`],
  // Tokens by their shape: Slack, OpenAI, Hugging Face, Discord.
  [/\bx(?:ox[abposr]|app)-[\w-]+/g, REDACTED],
  [/\bsk-[\w-]{16,}/g, REDACTED],
  [/\bhf_[A-Za-z0-9]{16,}/g, REDACTED],
  [/\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,}/g, REDACTED],
];

/** `text` with every credential it visibly carries replaced by `[redacted]`; the rest kept as it was. */
export function scrubSecrets(text: string): string {
  return SECRETS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

function scrubbed(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(scrubSecrets(line)) };
}
