// `tokenrouter serve`: start the router and shut down gracefully on SIGTERM/SIGINT.
import { startRouter, StartupError } from '../server/start.js';
import { createLogger } from '../telemetry/log.js';

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
      logger,
      ...(process.env.TOKENROUTER_DRAIN_MS ? { drainMs: Number(process.env.TOKENROUTER_DRAIN_MS) } : {}),
    });
  } catch (err) {
    if (err instanceof StartupError) {
      logger.fatal(err.message);
      return 2;
    }
    throw err;
  }
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
