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

/** Masks what looks like a credential: sk-… keys, bearer tokens, key/token query parameters and headers. */
export function maskSecrets(text: string): string {
  return text
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_-]{6,}/g, '$1-[redacted]')
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/([?&](?:key|api[_-]?key|token|access_token)=)[^&\s]+/gi, '$1[redacted]')
    .replace(/((?:x-api-key|x-goog-api-key|authorization)\s*[:=]\s*)\S+/gi, '$1[redacted]');
}
