// Child process: the router, exactly as `tokenrouter serve` builds it
// (startRouter, pino logger at TOKENROUTER_LOG_LEVEL, metrics on), over a
// policy directory prepared by the parent.
//   node dist/bench/server/router.js <policy dir>
import { startRouter } from '../../src/server/start.js';

try {
  const router = await startRouter({ policies: process.argv[2]!, port: 0, host: '127.0.0.1', resyncMs: 0 });
  process.send!({ url: router.url });
  // Exit through process.exit so a --cpu-prof profile is written.
  process.on('SIGINT', () => void router.stop().then(() => process.exit(0)));
  process.on('disconnect', () => void router.stop().then(() => process.exit(0)));
} catch (err) {
  process.send!({ error: String((err as Error).message) });
  process.exit(1);
}
