// Everything the serving path derives from a policy set — the rule index and
// the pooled rule engines, every firewall matcher and the unconditional rule
// split, the key limits and rule names the admission and the metrics look up,
// each provider's header template, the secret scrubber — built here, once,
// before the set goes live (the reloader's admission step). So no request
// pays for a first use, a reload is the only moment such state changes, and a
// set whose derived state cannot be built is rejected like an invalid file
// (the last good set keeps serving).
//
// The derived values are kept in WeakMaps keyed by the snapshot object, so
// they live and die with it; policy/ (a leaf, which compiles the set) cannot
// build them itself without importing every layer above it, which is why this
// step sits here, above them all, called from the composition root.
import { prepareFirewall } from '../firewall/rules.js';
import type { PolicyProblem, PolicySet } from '../policy/types.js';
import { providerHeaderTemplate } from '../providers/shared/headers.js';
import { enginePool } from '../routing/evaluate.js';
import { ruleIndexFor } from '../routing/rule-index.js';
import { ruleNames } from '../stages/account.js';
import { limitsByKey } from '../state/key-admission.js';
import { secretsFor } from '../upstream/secrets.js';

export function prepareSnapshot(set: PolicySet): PolicyProblem[] {
  try {
    ruleIndexFor(set);
    enginePool(set);
    prepareFirewall(set);
    limitsByKey(set);
    ruleNames(set);
    for (const p of set.providers.values()) providerHeaderTemplate(p);
    secretsFor(set);
    return [];
  } catch (err) {
    return [{ file: '', line: 0, col: 0, pointer: '', message: `the policy set could not be prepared for serving: ${(err as Error).message}` }];
  }
}
