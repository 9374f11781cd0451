// Prompt-scope firewall: runs every enabled `prompt` rule, in evaluation
// order, over the text the provider would see (instructions and the text of
// every message). block stops at once; mask rewrites the text (masks chain);
// warn records a warning. Response-scope rules and streaming hold-back come
// with the firewall milestone.
import type { CanonicalRequest, ContentPart, InputItem } from '../canonical/types.js';
import type { CompiledFirewallRule, PolicySet } from '../policy/types.js';

export interface PromptScreen {
  blockedBy?: string;
  masked: string[];
  warnings: { rule: string; message: string }[];
  request: CanonicalRequest;
}

export function screenPrompt(set: PolicySet, req: CanonicalRequest): PromptScreen {
  const rules = set.firewallRules.filter((r) => r.enabled && r.spec.scope === 'prompt');
  const out: PromptScreen = { masked: [], warnings: [], request: req };
  if (rules.length === 0) return out;
  let current = req;
  for (const rule of rules) {
    const texts = allText(current);
    if (!texts.some((t) => matches(rule, t))) continue;
    if (rule.spec.action === 'block') {
      out.blockedBy = rule.name;
      return out;
    }
    if (rule.spec.action === 'warn') out.warnings.push({ rule: rule.name, message: `firewall rule ${rule.name} matched the prompt` });
    if (rule.spec.action === 'mask') {
      out.masked.push(rule.name);
      current = mapText(current, (t) => mask(rule, t));
    }
  }
  out.request = current;
  return out;
}

function allText(req: CanonicalRequest): string[] {
  const texts: string[] = [];
  if (req.instructions) texts.push(req.instructions);
  for (const item of req.items) {
    if (item.type === 'message') for (const p of item.content) if (p.type === 'text') texts.push(p.text);
    if (item.type === 'function_call_output') texts.push(item.output);
  }
  return texts;
}

export function matches(rule: CompiledFirewallRule, text: string): boolean {
  if (rule.needle !== undefined) return text.toLowerCase().includes(rule.needle);
  const re = rule.regex!;
  re.lastIndex = 0;
  const hit = re.test(text);
  re.lastIndex = 0;
  return hit;
}

export function mask(rule: CompiledFirewallRule, text: string): string {
  if (rule.needle !== undefined) {
    const lower = text.toLowerCase();
    let out = '';
    let from = 0;
    for (let i = lower.indexOf(rule.needle); i !== -1; i = lower.indexOf(rule.needle, from)) {
      out += text.slice(from, i) + rule.replacement;
      from = i + rule.needle.length;
    }
    return out + text.slice(from);
  }
  const re = rule.regex!;
  re.lastIndex = 0;
  const res = text.replace(re, () => rule.replacement); // a function: no $-pattern expansion
  re.lastIndex = 0;
  return res;
}

function mapText(req: CanonicalRequest, f: (t: string) => string): CanonicalRequest {
  const part = (p: ContentPart): ContentPart => (p.type === 'text' ? { type: 'text', text: f(p.text) } : p);
  const item = (i: InputItem): InputItem => {
    if (i.type === 'message') return { ...i, content: i.content.map(part) };
    if (i.type === 'function_call_output') return { ...i, output: f(i.output) };
    return i;
  };
  return { ...req, ...(req.instructions !== undefined ? { instructions: f(req.instructions) } : {}), items: req.items.map(item) };
}
