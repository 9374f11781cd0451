// GET /console/api/providers: each provider and its deployments (catalog
// models) with breaker state (ResilienceState), live latency, limits usage and
// cool-downs (LiveInputs), the balancer's in-flight count, and the price source
// that feeds live prices with its age.
import type { PolicySet } from '../policy/types.js';
import type { LiveInputs } from '../state/live-inputs.js';
import type { ResilienceState } from '../upstream/resilience.js';

export function providersView(set: PolicySet, resilience: ResilienceState, live: LiveInputs, now = Date.now()) {
  const sources = live.prices.status();
  // The first source that loaded and prices some model of the live set is the one the UI names.
  const source = sources.find((s) => s.lastSuccess && s.matched > 0) ?? sources.find((s) => s.lastSuccess) ?? sources[0];
  const priceSource = {
    url: source?.url ?? null,
    ageSeconds: source?.lastSuccess ? Math.max(0, Math.round((now - source.lastSuccess.getTime()) / 1000)) : null,
  };
  return {
    providers: [...set.providers.values()].map((p) => {
      const usage = p.limits ? live.limits.usage(p.name) : undefined;
      return {
        name: p.name,
        type: p.type,
        enabled: p.enabled !== false,
        deployments: [...set.models.values()]
          .filter((m) => m.provider === p.name)
          .map((m) => {
            const target = { provider: p, model: m };
            const latency = live.latency.latency(target);
            const cooldown = live.limits.cooldown(p.name, m.name);
            return {
              model: m.name,
              breaker: resilience.breakers.state(`${p.name}/${m.name}`),
              ttftMs: latency ? Math.round(latency.ttftMs) : null,
              tokensPerSecond: latency ? Math.round(latency.tokensPerSecond * 10) / 10 : null,
              inFlight: resilience.balancer.inFlight(target),
              limits: p.limits && usage
                ? {
                    ...p.limits,
                    requestsLastMinute: usage.requestsLastMinute,
                    tokensLastMinute: usage.tokensLastMinute,
                    inFlight: usage.inFlight,
                    spentTodayUsd: usage.spentTodayUsd,
                  }
                : null,
              coolDownUntil: cooldown && cooldown.until > now ? new Date(cooldown.until).toISOString() : null,
            };
          }),
        priceSource,
      };
    }),
  };
}
