import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Bolt, its Web API client and the Socket Mode client log through our pino logger (one logger, one format).
 * pino's level decides what is written; Bolt's own level is only remembered for Bolt to read back.
 */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const write =
    (at: Level) =>
    (...args: unknown[]) => {
      if (!log.isLevelEnabled(at)) return;
      const err = args.find((a): a is Error => a instanceof Error);
      const text = args
        .filter((a) => a !== err)
        .map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))
        .join(' ');
      log[at](err ? { err } : {}, text || err?.message || '');
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
