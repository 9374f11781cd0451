// Gathers the items of every valid document into one list per kind, in declared
// order (files sorted by name, then document, then position), each with the
// pointer it came from so later checks can report file:line:col.
import type { TypedDocument } from './validate-schema.js';
import type { ApiKeySpec, FirewallRuleSpec, ModelSpec, ProviderSpec, RoutingRuleSpec, SettingsSpec } from './types.js';

export interface Located<T> {
  item: T;
  doc: TypedDocument;
  pointer: string;
  /** Declared order across the whole set: the tie-breaker for equal priorities. */
  order: number;
}

export interface Assembled {
  documents: readonly TypedDocument[];
  providers: Located<ProviderSpec>[];
  models: Located<ModelSpec>[];
  routingRules: Located<RoutingRuleSpec>[];
  firewallRules: Located<FirewallRuleSpec>[];
  apiKeys: Located<ApiKeySpec>[];
  settings: Located<SettingsSpec>[];
}

export function assemble(documents: readonly TypedDocument[]): Assembled {
  const out: Assembled = { documents, providers: [], models: [], routingRules: [], firewallRules: [], apiKeys: [], settings: [] };
  let order = 0;
  const each = <T>(list: Located<T>[], doc: TypedDocument, field: string, items: unknown): void => {
    if (!Array.isArray(items)) return; // the schema already reported it
    items.forEach((item, i) => {
      if (isPlainObject(item)) list.push({ item: item as T, doc, pointer: `/spec/${field}/${i}`, order: order++ });
    });
  };
  for (const doc of documents) {
    const spec = isPlainObject(doc.value.spec) ? doc.value.spec : {};
    switch (doc.kind) {
      case 'Providers':
        each(out.providers, doc, 'providers', spec.providers);
        break;
      case 'Models':
        each(out.models, doc, 'models', spec.models);
        break;
      case 'RoutingRules':
        each(out.routingRules, doc, 'rules', spec.rules);
        break;
      case 'FirewallRules':
        each(out.firewallRules, doc, 'rules', spec.rules);
        break;
      case 'ApiKeys':
        each(out.apiKeys, doc, 'keys', spec.keys);
        break;
      case 'Settings':
        out.settings.push({ item: spec, doc, pointer: '/spec', order: order++ });
        break;
      case 'PolicyTest':
        break; // test cases for `tokenrouter test`: validated like any kind, never served
    }
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
