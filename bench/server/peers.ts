// Peer gateways measured side by side with the router, when installed:
// `npm run bench:peers` installs them under bench/peers/ (pinned versions, not
// part of the root install, so `npm ci` and the tests never download them).
// Each is run as its own process on the server core, proxying the same chat
// request to the same zero-delay simulator as the raw proxy and the router.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../workload.js';
import { startOnPort, type Served } from './procs.js';

export interface Peer {
  name: string;
  /** Headers the peer needs to reach the simulator's OpenAI endpoint. */
  headers: (simUrl: string) => Record<string, string>;
  start: (core: string) => Promise<Served>;
}

const PORTKEY = path.join(REPO_ROOT, 'bench/peers/node_modules/@portkey-ai/gateway/build/start-server.js');

/** The Portkey AI gateway (TypeScript, Hono on Node): the closest peer. */
const portkey: Peer = {
  name: 'portkey gateway 1.15.2',
  // Provider "openai" at a custom host: Portkey's documented way to reach an OpenAI-compatible server.
  headers: (simUrl) => ({ 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${simUrl}/openai/v1`, authorization: 'Bearer sim' }),
  // NODE_ENV=production and --headless: no console UI, no log-streaming routes.
  start: (core) => startOnPort('portkey', PORTKEY, (port) => [`--port=${port}`, '--headless'], { env: { NODE_ENV: 'production' }, core }),
};

/** The peers that are installed; the benchmark says which were skipped. */
export function installedPeers(): { peers: Peer[]; missing: string[] } {
  return existsSync(PORTKEY) ? { peers: [portkey], missing: [] } : { peers: [], missing: [portkey.name] };
}
