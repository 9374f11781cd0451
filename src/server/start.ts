// Composition root: policy store + reloader + watcher, metrics, logger, the
// Express app and the HTTP server, wired together. Used by `tokenrouter serve`
// and by the tests, so both run exactly the same router.
import { DecisionRing } from '../console/decision-ring.js';
import type { RequestListener, Server } from 'node:http';
import path from 'node:path';
import { formatProblem } from '../policy/load.js';
import { Reloader } from '../policy/reloader.js';
import { PolicyStore } from '../policy/store.js';
import { PolicyWatcher } from '../policy/watch.js';
import type { PolicyProblem, PolicySet } from '../policy/types.js';
import { createLogger, setLogSecrets, type Logger } from '../telemetry/log.js';
import { createMetrics, type Metrics } from '../telemetry/metrics.js';
import { startTracing } from '../telemetry/tracing.js';
import { ROUTER_VERSION } from '../telemetry/version.js';
import { createApp } from './app.js';
import { LargeBodyGate } from './large-body-gate.js';
import { withDataPlanePath } from './data-plane-path.js';
import { Lifecycle } from './lifecycle.js';
import { boundPort, isLoopbackHost, listen, shutdown } from './listen.js';
import { listenProbes } from './probe-listener.js';
import { mountWarnings } from '../policy/mount-check.js';
import { createSharedState, resolveStateConfig, StateConfigError, type RedisEnv, type SharedState, type StateConfig } from '../state/backend.js';
import { LiveInputs } from '../state/live-inputs.js';
import { UpstreamClient } from '../upstream/client.js';
import { ResilienceState } from '../upstream/resilience.js';
import { registerProcessSecret, secretsFor, urlPassword } from '../upstream/secrets.js';
import { prepareSnapshot } from '../snapshot/prepare.js';
import { o200kCounter } from '../routing/bpe-count.js';
import { preloadCloudSdks } from '../upstream/preload-sdks.js';
import { settleHeapOnce } from './settle-heap.js';

export interface StartOptions {
  policies: string;
  port?: number;
  host?: string;
  logger?: Logger;
  metrics?: Metrics;
  debounceMs?: number;
  resyncMs?: number;
  maxPolicyBytes?: number;
  /** Grace period for in-flight requests on shutdown. */
  drainMs?: number;
  /** A Redis URL from the environment (REDIS_URL; it may carry a password): wins over Settings.state.redisUrl. */
  redisUrl?: string;
  /** REDIS_USERNAME, REDIS_PASSWORD(_FILE), REDIS_SENTINEL_PASSWORD for Settings.state.redis (sentinel, cluster); `serve` passes process.env. */
  redisEnv?: RedisEnv;
  /** Also serve /healthz, /readyz and /metrics (only) on this port, e.g. for a sidecar whose API stays on 127.0.0.1. */
  probePort?: number;
  probeHost?: string;
}

export interface RunningRouter {
  server: Server;
  port: number;
  url: string;
  store: PolicyStore;
  reloader: Reloader;
  watcher: PolicyWatcher;
  metrics: Metrics;
  lifecycle: Lifecycle;
  resilience: ResilienceState;
  liveInputs: LiveInputs;
  /** The console's ring of recent decisions (src/console/decision-ring.ts). */
  decisions: DecisionRing;
  /** The probe/metrics listener's port, when one was asked for. */
  probePort?: number;
  /** Counters, budgets, usage and stored responses: memory or Redis (src/state/backend.ts). */
  state: SharedState;
  stop(): Promise<{ clean: boolean }>;
}

export class StartupError extends Error {}

export async function startRouter(opts: StartOptions): Promise<RunningRouter> {
  const logger = opts.logger ?? createLogger();
  const metrics = opts.metrics ?? createMetrics();
  const host = opts.host ?? '127.0.0.1';
  const directory = path.resolve(opts.policies);
  const loopbackOnly = isLoopbackHost(host);
  const store = new PolicyStore();
  // Every log line passes the live set's secret scrubber (provider keys, client-key hashes, the Redis password).
  registerProcessSecret(urlPassword(opts.redisUrl));
  setLogSecrets(logger, () => secretsFor(store.current()));
  const resilience = new ResilienceState();
  wireReloadTelemetry(store, metrics, logger, resilience);
  // The cloud SDKs (AWS, Google) load with a set that can route to their providers, not at startup (upstream/preload-sdks.ts).
  store.onReload((record, s) => {
    if (record.result === 'success') void preloadCloudSdks(s.current()!);
  });

  let started = false;
  const reloader = new Reloader({
    directory,
    store,
    ...(opts.maxPolicyBytes !== undefined ? { maxBytes: opts.maxPolicyBytes } : {}),
    onProblems: (problems) => {
      logger.error({ errors: problems.map(formatProblem) }, `policy load failed with ${problems.length} problem(s); keeping the last good set`);
    },
    // Until the start checks below have run, they decide (and refuse to start); after, reloads are checked.
    // Before a set goes live: its derived state is built (a failure rejects it), and a reload may not open anonymous access unseen.
    admit: (next, live) => {
      const unprepared = prepareSnapshot(next);
      if (unprepared.length) return unprepared;
      return started ? reloadAdmission(next, live, host, loopbackOnly, logger) : [];
    },
  });
  // Watch before the first load, so a change made while it runs still triggers a reload.
  const watcher = new PolicyWatcher(directory, reloader, {
    ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
    ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
  });
  await watcher.start();
  await reloader.reload();
  for (const warning of await mountWarnings(directory)) logger.warn({ policies: directory }, warning);

  // The token counter's vocabulary (≈ 60 ms to build) is loaded now, not by the first request.
  o200kCounter();
  const first = store.current();
  // The first set's cloud SDKs are in before the first request (the reload above started loading them).
  if (first) await preloadCloudSdks(first);
  if (first && !loopbackOnly && first.apiKeys.length === 0 && !first.settings.allowAnonymous) {
    await watcher.close();
    throw new StartupError(
      `refusing to listen on ${host} without API keys: add an ApiKeys document, listen on 127.0.0.1, or set Settings.allowAnonymous: true`,
    );
  }
  started = true;
  if (first && first.apiKeys.length === 0) {
    logger.warn(
      first.settings.allowAnonymous ? 'no API keys configured: anonymous access allowed by Settings.allowAnonymous' : `no API keys configured: serving anonymous callers on loopback (${host}) only`,
    );
  }


  const lifecycle = new Lifecycle();
  const client = new UpstreamClient();
  let state: SharedState;
  try {
    state = startState(store, opts.redisUrl, opts.redisEnv ?? {}, metrics, logger);
  } catch (err) {
    await watcher.close();
    throw err;
  }
  // Off unless the OTEL_* environment asks for an exporter (the SDK reads the rest of it itself).
  const tracing = await startTracing(process.env, logger, ROUTER_VERSION);
  const conversations = state.conversations;
  // Price sources follow Settings.priceSources of every live set, from the first one on.
  const liveInputs = new LiveInputs({ metrics, logger, limits: state.limits });
  liveInputs.follow(store);
  resilience.breakers.onChange((key, state) => {
    const [provider, ...model] = key.split('/');
    metrics.circuitState.set({ provider: provider!, model: model.join('/') }, state === 'open' ? 2 : state === 'half_open' ? 1 : 0);
    logger.warn({ target: key, state }, `circuit ${state}`);
  });
  // The console's decision ring: the account stages write it, /console/api reads it (sized by Settings.console.decisions).
  const decisions = new DecisionRing(first?.settings.console?.decisions);
  const deps = { store, metrics, logger, lifecycle, loopbackOnly, client, conversations, resilience, liveInputs, state, tracing, decisions, largeBodies: new LargeBodyGate() };
  const app = createApp(deps);
  // Everything is built: the startup garbage goes now, not with the first major GC under load (settle-heap.ts).
  settleHeapOnce();
  let server: Server;
  let probes: Server | undefined;
  try {
    server = await listen(withDataPlanePath(deps, app as RequestListener), { port: opts.port ?? 8080, host });
    if (opts.probePort !== undefined) probes = await listenProbes(deps, opts.probePort, opts.probeHost ?? '0.0.0.0');
  } catch (err) {
    (server! as Server | undefined)?.close();
    await watcher.close();
    await liveInputs.stop();
    await state.close();
    await tracing.shutdown();
    throw err;
  }
  const port = boundPort(server);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (probes) logger.info({ port: boundPort(probes) }, 'probes and metrics also served on their own port');
  logger.info({ url, policies: directory, version: first?.version ?? null }, first ? 'tokenrouter listening' : 'tokenrouter listening, NOT READY: no valid policy set yet');

  let stopping: Promise<{ clean: boolean }> | undefined;
  return {
    server,
    port,
    url,
    store,
    reloader,
    watcher,
    metrics,
    lifecycle,
    resilience,
    liveInputs,
    decisions,
    state,
    ...(probes ? { probePort: boundPort(probes) } : {}),
    stop() {
      stopping ??= (async () => {
        await watcher.close();
        const result = await shutdown(server, lifecycle, opts.drainMs ?? 25_000);
        if (probes) {
          probes.closeAllConnections();
          await new Promise<void>((resolve) => probes!.close(() => resolve()));
        }
        await liveInputs.stop();
        await state.close();
        await client.close();
        await tracing.shutdown(); // the last spans (this shutdown's requests included) are flushed
        return result;
      })();
      return stopping;
    },
  };
}

/** The state backend, chosen once from the first policy set; a reload that would choose another is logged, not applied. */
function startState(store: PolicyStore, envRedisUrl: string | undefined, env: RedisEnv, metrics: Metrics, logger: Logger): SharedState {
  let config: StateConfig;
  try {
    config = resolveStateConfig(store.current()?.settings.state, envRedisUrl, env);
  } catch (err) {
    if (err instanceof StateConfigError) throw new StartupError(err.message);
    throw err;
  }
  // Masked from every log line and error from here on, like the URL's password.
  for (const secret of [config.redis?.password, config.redis?.sentinelPassword]) registerProcessSecret(secret);
  const state = createSharedState(config, { metrics, logger, settings: () => store.current()?.settings.state });
  logger.info({ state: state.kind, target: state.target }, `state backend: ${state.kind}`);
  store.onReload((record, s) => {
    if (record.result !== 'success') return;
    let next: StateConfig | undefined;
    try {
      next = resolveStateConfig(s.current()?.settings.state, envRedisUrl, env);
    } catch {
      next = undefined;
    }
    if (!next || next.backend !== config.backend || next.redisUrl !== config.redisUrl || JSON.stringify(next.redis) !== JSON.stringify(config.redis) || next.keyPrefix !== config.keyPrefix) {
      logger.warn({ state: state.kind }, 'Settings.state changed the backend, Redis URL or topology, or key prefix: that takes a restart; the running backend stays');
    }
  });
  return state;
}

/**
 * What a reload may not do to a running router: leave a non-loopback listener
 * without client keys (the start refuses that too), or silently open anonymous
 * access on loopback (allowed, but said out loud).
 */
function reloadAdmission(next: PolicySet, live: PolicySet | undefined, host: string, loopbackOnly: boolean, logger: Logger): PolicyProblem[] {
  if (next.apiKeys.length > 0) return [];
  if (!loopbackOnly && !next.settings.allowAnonymous) {
    return [{ file: '', line: 0, col: 0, pointer: '', message: `rejected: the new set has no API keys and the router listens on ${host}; add an ApiKeys document or set Settings.allowAnonymous: true` }];
  }
  if (live && live.apiKeys.length > 0) {
    logger.warn(
      { version: next.version },
      next.settings.allowAnonymous
        ? 'the reload removed every client key: anonymous access is now on (Settings.allowAnonymous)'
        : `the reload removed every client key: anonymous access is now on for loopback callers (${host})`,
    );
  }
  return [];
}

function wireReloadTelemetry(store: PolicyStore, metrics: Metrics, logger: Logger, resilience: ResilienceState): void {
  store.onReload((record, s) => {
    metrics.policyReloads.inc({ result: record.result });
    if (record.result === 'error') return;
    const set = s.current()!;
    metrics.policyLastSuccess.set(s.lastSuccessAt()!.getTime() / 1000);
    if (record.result === 'success') {
      // Every catalog model gets a circuit series (0 = closed) so "all circuits of a provider open" alerts are exact.
      for (const m of set.models.values()) {
        const st = resilience.breakers.state(`${m.provider}/${m.name}`);
        metrics.circuitState.set({ provider: m.provider, model: m.name }, st === 'open' ? 2 : st === 'half_open' ? 1 : 0);
      }
      metrics.policyInfo.reset(); // exactly one version series
      metrics.policyInfo.set({ version: set.version }, 1);
      metrics.policyRules.set({ kind: 'providers' }, set.providers.size);
      metrics.policyRules.set({ kind: 'models' }, set.models.size);
      metrics.policyRules.set({ kind: 'routing_rules' }, set.routingRules.length);
      metrics.policyRules.set({ kind: 'firewall_rules' }, set.firewallRules.length);
      metrics.policyRules.set({ kind: 'api_keys' }, set.apiKeys.length);
      logger.info({ version: set.version, files: set.files }, 'policy set is live');
    }
  });
}
