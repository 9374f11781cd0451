// `tokenrouter validate DIR`: every problem, sorted, as file:line:col.
import { formatProblem, loadPolicyDirectory } from '../policy/load.js';
import { checkPriceSources } from '../prices/check-sources.js';

export async function validateCommand(directory: string, opts: { checkSources?: boolean } = {}): Promise<number> {
  const result = await loadPolicyDirectory(directory);
  if (!result.ok) {
    for (const p of result.problems) process.stdout.write(formatProblem(p) + '\n');
    process.stderr.write(`${result.problems.length} problem(s) in ${directory}\n`);
    return 3;
  }
  // Warnings do not change the exit code: the set is valid and would serve.
  for (const w of result.warnings) process.stdout.write(`warning: ${formatProblem(w)}\n`);
  const sourceWarnings = opts.checkSources ? await checkPriceSources(result.set) : [];
  for (const w of sourceWarnings) process.stdout.write(`warning: ${w}\n`);
  const s = result.set;
  process.stdout.write(
    `ok: ${s.files.length} file(s), version ${s.version}: ${s.providers.size} providers, ${s.models.size} models, ` +
      `${s.routingRules.length} routing rules, ${s.firewallRules.length} firewall rules, ${s.apiKeys.length} API keys` +
      (result.warnings.length + sourceWarnings.length ? `, ${result.warnings.length + sourceWarnings.length} warning(s)` : '') +
      '\n',
  );
  return 0;
}
