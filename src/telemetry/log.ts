// Structured JSON logs (pino: fast, asynchronous-friendly, with path-based
// redaction). Secrets are kept out in three layers: never putting them in a
// log object at all; redaction by path; and every finished line passes the
// logger's secret scrubber (secrets.ts: credential shapes, plus the provider
// keys, Redis password and client-key hashes of the live policy set, which
// the composition root hands over with setLogSecrets).
import { pino, type Logger } from 'pino';
import { SHAPES_ONLY, type SecretScrubber } from './secrets.js';

export type { Logger };
export { maskSecrets, SecretScrubber } from './secrets.js';

/** Per logger (children share their root's): where the scrubber for each line comes from. */
const SCRUBBERS = new WeakMap<object, { current: () => SecretScrubber }>();

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
  const source = { current: (): SecretScrubber => SHAPES_ONLY };
  const logger = pino(
    {
      level,
      base: { service: 'tokenrouter' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // The serialised line, just before it is written: one pass of the scrubber per line written
      // (lines below the level are never built, so a `warn` router pays nothing per request).
      hooks: { streamWrite: (line: string) => source.current().scrubLine(line) },
    },
    (opts.destination ?? process.stdout) as pino.DestinationStream,
  );
  SCRUBBERS.set(logger, source);
  return logger;
}

/**
 * Which scrubber this logger's lines pass (the live policy set's): asked per
 * line, so it follows reloads. A logger not made by createLogger keeps only
 * pino's path redaction.
 */
export function setLogSecrets(logger: Logger, current: () => SecretScrubber): void {
  const source = SCRUBBERS.get(logger);
  if (source) source.current = current;
}

/** A logger that drops everything (tests, CLI validate). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
