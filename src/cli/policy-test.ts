// `tokenrouter test [DIR]`: runs the PolicyTest suites of a policy directory
// (DIR/tests/*.yaml and PolicyTest documents in DIR) against that directory's
// policy set, one line per case, then a summary and the rules no case matched.
// Exit 0 every case passed; 3 the policy set or a test file is invalid
// (problems as file:line:col); 4 a case failed, or no case ran at all.
import { formatProblem } from '../policy/load.js';
import { loadPolicyTests } from '../authoring/policy-test-load.js';
import { runPolicyTests, type TestRun } from '../authoring/policy-tests.js';

export const TEST_EXIT = { ok: 0, invalid: 3, failed: 4 } as const;

export async function policyTestCommand(directory: string, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const loaded = await loadPolicyTests(directory);
  if (!loaded.ok) {
    for (const p of loaded.problems) out.write(formatProblem(p) + '\n');
    out.write(`${loaded.problems.length} problem(s) in ${directory}\n`);
    return TEST_EXIT.invalid;
  }
  const run = await runPolicyTests(loaded.set, loaded.suites);
  out.write(formatRun(run));
  if (run.results.length === 0) {
    out.write(`no test cases found: add PolicyTest documents to ${directory}/tests/*.yaml\n`);
    return TEST_EXIT.failed;
  }
  return run.failed > 0 ? TEST_EXIT.failed : TEST_EXIT.ok;
}

export function formatRun(run: TestRun): string {
  const lines: string[] = [];
  for (const r of run.results) {
    lines.push(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name}  (${r.file}:${r.line})`);
    for (const d of r.diff) lines.push(`        ${d}`);
  }
  const suites = new Set(run.results.map((r) => r.suite)).size;
  lines.push('', `${run.passed} passed, ${run.failed} failed (${run.results.length} cases in ${suites} suite(s))`);
  lines.push(`routing rules no case matched: ${list(run.unexercised.routing)}`);
  lines.push(`prompt firewall rules no case matched: ${list(run.unexercised.firewall)}`);
  if (run.responseScope.length) lines.push(`response-scope firewall rules (cases screen prompts only): ${list(run.responseScope)}`);
  return lines.join('\n') + '\n';
}

function list(names: readonly string[]): string {
  return names.length ? names.join(', ') : 'none';
}
