// The names a `when` condition may use: the facts a request provides and the
// operators the engine knows (json-rules-engine's built-ins plus ours). The
// routing module implements them; the policy plane only checks the names, so
// an unknown fact or operator is a validation error, not a runtime surprise.

export const ROUTING_FACTS = {
  text: 'all request text (instructions and messages), lower-cased',
  metadata: 'the request metadata object (string values)',
  mode: 'the routing mode requested (balance|cost|quality|latency)',
  model: 'the model string the client sent',
  task: 'metadata.task, or "" when absent',
  api: '"responses" or "chat"',
  stream: 'true when the client asked for a stream',
  has_tools: 'true when the request offers tools',
  has_images: 'true when the request contains an image',
  input_chars: 'length of the request text in characters',
  api_key: 'name of the caller\'s API key ("anonymous" without one)',
} as const;
export type RoutingFactName = keyof typeof ROUTING_FACTS;

export const BUILTIN_OPERATORS = [
  'equal',
  'notEqual',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
] as const;

export const CUSTOM_OPERATORS = {
  containsText: 'fact (text) contains the value, or any value of a list, case-insensitively',
  matchesRegex: 'fact (text) matches the regular expression value (case-insensitive)',
  startsWith: 'fact (string) starts with the value',
} as const;

export const KNOWN_OPERATORS: ReadonlySet<string> = new Set([...BUILTIN_OPERATORS, ...Object.keys(CUSTOM_OPERATORS)]);

/** A plain property path: `$.a.b`, `a.b`, `$.a_b`. No filters, wildcards, brackets or scripts. */
export const PLAIN_PATH = /^(\$\.)?[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*){0,7}$/;
