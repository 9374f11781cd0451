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
  api: '"responses", "chat" or "messages"',
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

/**
 * Built-in firewall detectors (`type: detector`, `pattern: <name>`), implemented
 * in src/firewall/detectors/. Each is a pattern plus a check where one exists,
 * so a detector flags far fewer look-alikes than a bare regex would.
 */
export const FIREWALL_DETECTORS = {
  email: 'e-mail address (local@domain.tld)',
  phone: 'phone number written as one: +country code, or (555) 123-4567 / 555-123-4567 / 555.123.4567 / 555 123 4567',
  credit_card: 'payment card number, 13-19 digits (optionally grouped by one kind of separator), Luhn-checked',
  iban: 'international bank account number, mod-97 checked, with the length its country prescribes',
  us_ssn: 'US social security number written 123-45-6789 or 123 45 6789 (never-issued ranges excluded)',
  ipv4: 'IPv4 address (dotted quad, each part 0-255)',
  private_key: 'PEM private key block (-----BEGIN … PRIVATE KEY----- through its END line)',
  aws_access_key: 'AWS access key id (AKIA/ASIA/ABIA/ACCA + 16 characters)',
  openai_key: 'OpenAI API key (sk-…, sk-proj-…, sk-svcacct-…, sk-admin-…)',
  anthropic_key: 'Anthropic API key (sk-ant-api03-… / sk-ant-admin01-…)',
  github_token: 'GitHub token (ghp_, gho_, ghu_, ghs_, ghr_ + 36 characters, or github_pat_…)',
  slack_token: 'Slack token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-…)',
  google_api_key: 'Google API key (AIza + 35 characters)',
  stripe_key: 'Stripe secret or restricted key (sk_live_, sk_test_, rk_live_, rk_test_…)',
  jwt: 'JSON Web Token (three base64url parts whose header decodes to JSON with "alg")',
} as const;
export type FirewallDetectorName = keyof typeof FIREWALL_DETECTORS;
