// The detector registry: one Matcher per name in the policy vocabulary
// (FIREWALL_DETECTORS in src/policy/vocabulary.ts, which validation checks
// names against). The Record type makes a name without an implementation a
// compile error.
import type { FirewallDetectorName } from '../../policy/vocabulary.js';
import type { Matcher } from '../matcher.js';
import { creditCard, iban } from './financial.js';
import { email, ipv4, phone, usSsn } from './pii.js';
import { anthropicKey, awsAccessKey, githubToken, googleApiKey, jwt, openaiKey, privateKey, slackToken, stripeKey } from './secrets.js';

export const DETECTORS: Readonly<Record<FirewallDetectorName, Matcher>> = {
  email,
  phone,
  credit_card: creditCard,
  iban,
  us_ssn: usSsn,
  ipv4,
  private_key: privateKey,
  aws_access_key: awsAccessKey,
  openai_key: openaiKey,
  anthropic_key: anthropicKey,
  github_token: githubToken,
  slack_token: slackToken,
  google_api_key: googleApiKey,
  stripe_key: stripeKey,
  jwt,
};
