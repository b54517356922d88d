import { isatty } from 'node:tty';
import { destination as fileDestination, pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { DestinationStream, Logger };

/** `json` for log collectors, `pretty` for people; `auto` is pretty when the destination is a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** A stream may say it is a terminal, as process.stdout does (tests set it to see what a terminal gets). */
export type LogDestination = DestinationStream & { isTTY?: boolean };

/**
 * The one logger. Secrets and signed URLs never reach its output: the redact paths cover the fields that
 * could carry them (headers, an HTTP client's request config), and every line is scrubbed of what reads as
 * a credential, because libraries log text we do not shape (Slack's client logs each request body, and a
 * status message carries the page's capability token); pretty lines are made from the scrubbed JSON.
 * `destination` is a file descriptor (stdout when absent) or a stream, which lets tests read every line.
 */
export function createLogger(level: string, name?: string, destination: LogDestination | number = 1, format: LogFormat = 'json'): Logger {
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
  const terminal = typeof destination === 'number' ? isatty(destination) : destination.isTTY === true;
  const out = typeof destination === 'number' ? fileDestination(destination) : destination;
  const pretty = format === 'pretty' || (format === 'auto' && terminal);
  return pino(options, scrubbed(pretty ? prettified(out, terminal) : out));
}

/**
 * Human lines, written synchronously like the JSON ones (no worker thread): in order, and nothing lost
 * when the process exits. Colours only on a terminal.
 */
function prettified(destination: DestinationStream, colorize: boolean): DestinationStream {
  const prettify = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return { write: (line: string) => destination.write(prettify(line)) };
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
