// Structured JSON logs (pino: fast, asynchronous-friendly, with path-based
// redaction). Secrets are redacted by path as a second line of defence; the
// first is never putting them in a log object at all.
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'headers.cookie',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = opts.level ?? process.env.TOKENROUTER_LOG_LEVEL ?? 'info';
  return pino(
    {
      level,
      base: { service: 'tokenrouter' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (opts.destination ?? process.stdout) as pino.DestinationStream,
  );
}

/** A logger that drops everything (tests, CLI validate). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
