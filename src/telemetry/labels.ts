// Bounded label values: only names the live policy declares; anything else is
// "other", so a client cannot create metric series by sending odd strings.
import type { PolicySet } from '../policy/types.js';

export function providerLabel(set: PolicySet | undefined, provider: string | undefined): string {
  return provider !== undefined && set?.providers.has(provider) ? provider : 'other';
}

export function modelLabel(set: PolicySet | undefined, provider: string | undefined, model: string | undefined): string {
  return provider !== undefined && model !== undefined && set?.models.has(`${provider}/${model}`) ? model : 'other';
}
