// `<provider>/<model>`: a catalog entry's key — the breaker's, the balancer's,
// the in-flight count's and the live latency series'. Asked for several times
// per candidate per request, so it is kept per catalog entry (the policy's own
// ModelSpec object): the same string each time, whose hash V8 computes once,
// instead of a new concatenation to hash at every Map lookup. A catalog entry
// belongs to one provider (its `provider` field), so the entry alone fixes the key.
import type { ModelSpec } from './types.js';

const KEYS = new WeakMap<Readonly<ModelSpec>, string>();

export function deploymentKey(t: { readonly provider: { readonly name: string }; readonly model: Readonly<ModelSpec> }): string {
  let key = KEYS.get(t.model);
  if (key === undefined) KEYS.set(t.model, (key = `${t.provider.name}/${t.model.name}`));
  return key;
}
