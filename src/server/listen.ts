// The HTTP server around the Express app: explicit timeouts (Node enforces
// them only on its connection-check tick, so that tick is set too), a header
// count cap, and graceful shutdown — stop accepting, let in-flight requests
// finish within a grace period, then close what is left and resolve.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Lifecycle } from './lifecycle.js';

export interface ListenOptions {
  port: number;
  host: string;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

export async function listen(app: RequestListener, opts: ListenOptions): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: opts.headersTimeoutMs ?? 30_000,
      requestTimeout: opts.requestTimeoutMs ?? 120_000,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  // No count cap in Node itself: past its cap Node silently drops headers (even
  // Host, then answers a bare 400). The 16 KiB header-size limit still bounds
  // them, and the app counts them and answers 431 past DEFAULT_MAX_HEADERS.
  server.maxHeadersCount = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * SIGTERM handling: stop accepting, wait up to graceMs for in-flight work;
 * streams still open then get a terminal failure event (and a moment to
 * flush it) before every connection is closed.
 */
export async function shutdown(server: Server, lifecycle: Lifecycle, graceMs: number): Promise<{ clean: boolean }> {
  lifecycle.startDraining();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let clean = await lifecycle.waitIdle(graceMs);
  if (!clean && lifecycle.openStreams > 0) {
    lifecycle.endStreams();
    clean = await lifecycle.waitIdle(250);
  }
  server.closeAllConnections();
  await closed;
  return { clean };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
