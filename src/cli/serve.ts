// `tokenrouter serve`: start the router and shut down gracefully on SIGTERM/SIGINT.
import { startRouter, StartupError } from '../server/start.js';
import { createLogger, maskSecrets, type Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';

export async function serveCommand(flags: { port?: string | undefined; host?: string | undefined; policies?: string | undefined }): Promise<number> {
  const logger = createLogger();
  const port = Number(flags.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid port "${flags.port ?? process.env.PORT}"\n`);
    return 2;
  }
  let router;
  try {
    router = await startRouter({
      policies: flags.policies ?? process.env.TOKENROUTER_POLICIES ?? './policies',
      port,
      host: flags.host ?? process.env.HOST ?? '127.0.0.1',
      ...(process.env.TOKENROUTER_PROBE_PORT ? { probePort: Number(process.env.TOKENROUTER_PROBE_PORT) } : {}),
      logger,
      ...(process.env.TOKENROUTER_DRAIN_MS ? { drainMs: Number(process.env.TOKENROUTER_DRAIN_MS) } : {}),
      ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
      redisEnv: {
        REDIS_USERNAME: process.env.REDIS_USERNAME,
        REDIS_PASSWORD: process.env.REDIS_PASSWORD,
        REDIS_PASSWORD_FILE: process.env.REDIS_PASSWORD_FILE,
        REDIS_SENTINEL_PASSWORD: process.env.REDIS_SENTINEL_PASSWORD,
      },
    });
  } catch (err) {
    if (err instanceof StartupError) {
      logger.fatal(err.message);
      return 2;
    }
    throw err;
  }
  // Installed once serving: a fault during startup should still fail the start loudly.
  const onFault = processFaultHandler(router.metrics, logger);
  process.on('unhandledRejection', (reason) => onFault('unhandledRejection', reason));
  process.on('uncaughtException', (err) => onFault('uncaughtException', err));
  const stop = (signal: string): void => {
    logger.info({ signal, inFlight: router.lifecycle.inFlight }, 'draining: no new requests, finishing in-flight ones');
    router.stop().then(({ clean }) => {
      logger.info({ clean }, 'stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return -1; // keep running
}

export type ProcessFault = 'unhandledRejection' | 'uncaughtException';

/**
 * The last line of defence (docs/reliability.md#i3): a promise a dependency
 * rejected with nobody listening, or an exception thrown from a callback
 * outside any request, is logged and counted
 * (tokenrouter_unhandled_errors_total) instead of ending the process. Exiting
 * would cut every in-flight stream, and a crash loop would lose the last good
 * policy snapshot (I2); the counter is what to alert on. Only the error's
 * name, its message with anything key-like masked, and its stack frames are
 * logged — never the value itself (it may be a request or response object).
 */
export function processFaultHandler(metrics: Pick<Metrics, 'unhandledErrors'>, logger: Logger): (kind: ProcessFault, err: unknown) => void {
  return (kind, err) => {
    metrics.unhandledErrors.inc();
    logger.error(
      { kind, err: describeFault(err) },
      kind === 'unhandledRejection' ? 'unhandled promise rejection (a bug or a dependency fault); still serving' : 'uncaught exception (a bug or a dependency fault); still serving',
    );
  };
}

function describeFault(err: unknown): { name: string; message: string; frames?: string[] } {
  if (!(err instanceof Error)) return { name: typeof err, message: 'a non-Error value (not logged)' };
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 8)
    .map((l) => maskSecrets(l.trim()));
  return { name: err.name, message: maskSecrets(err.message).slice(0, 500), ...(frames.length ? { frames } : {}) };
}

