// The cost check behind "unsafe regex" for firewall rules. safe-regex2 (see
// regex.ts) rejects nested quantifiers, the exponential case, but passes
// patterns that are exponential through alternation (`(a|a)*b`) or polynomial
// (`.*x.*y.*z` on a text of x's). V8 cannot interrupt a running match, so the
// firewall scans long texts in bounded windows and checks its time budget
// between them (src/firewall/scan.ts); this check makes sure one window is
// cheap. It runs the pattern over adversarial texts of growing length — runs
// of each character the pattern names, plus letters, digits and spaces — up to
// the window length, and rejects it when one scan exceeds PROBE_LIMIT_MS.

/**
 * One scan of one window may take this long, at most. A linear pattern takes
 * microseconds, a quadratic one (e.g. [a-z]+@… on a run of letters) about
 * 5 ms, a cubic one over a second: the limit sits 20× above the first and
 * 14× below the last, so a loaded machine does not flip the verdict.
 */
export const PROBE_LIMIT_MS = 100;
/** A probe over the limit is run this many times in all; the fastest run counts (load only ever adds time). */
const CONFIRM_RUNS = 3;

/** Characters the firewall scans per window besides the overlap: 4× the overlap, at least 1,024. */
export function scanStepChars(overlap: number): number {
  return Math.max(1024, 4 * overlap);
}

/** The longest text one window scan covers for a given overlap (longest match). */
export function scanWindowChars(overlap: number): number {
  return scanStepChars(overlap) + overlap;
}

const BASE_CHARS = ['a', 'A', '0', ' ', '\n', '.', '-', '_', '@', '/'];
const PAIRS = ['a ', 'a.', 'a-', '0 ', 'a0', 'aA'];
const MAX_CHARS = 24;

/** Verdicts by pattern, flags and window: a reload (or the next router in a test run) does not probe again. */
const verdicts = new Map<string, string | undefined>();
const MAX_VERDICTS = 10_000;

/** undefined when scanning `windowChars` characters stays cheap; otherwise why not. */
export function checkRegexCost(regex: RegExp, pattern: string, windowChars: number): string | undefined {
  const key = `${windowChars}/${regex.flags}/${regex.source}`;
  if (verdicts.has(key)) return verdicts.get(key);
  const verdict = probe(regex, pattern, windowChars);
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(key, verdict);
  return verdict;
}

function probe(regex: RegExp, pattern: string, windowChars: number): string | undefined {
  const re = new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : regex.flags + 'g');
  const units = probeUnits(regex.source);
  scan(re, 'warm up the compiled code'.repeat(4));
  for (const length of probeLengths(windowChars)) {
    for (const unit of units) {
      const text = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
      // Also end on a character nothing matches, so anchored tails must fail.
      for (const probe of [text, text.slice(0, -1) + '\u0001']) {
        let ms = scan(re, probe);
        // Far over the limit needs no confirming (and an exponential pattern would take seconds per run).
        for (let run = 1; run < CONFIRM_RUNS && ms > PROBE_LIMIT_MS && ms < 10 * PROBE_LIMIT_MS; run++) ms = Math.min(ms, scan(re, probe));
        // The message names no timing or probe: it must read the same on every machine.
        if (ms > PROBE_LIMIT_MS) {
          return (
            `regex "${pattern}" backtracks excessively: one ${windowChars}-character window of hostile text would take over ` +
            `${PROBE_LIMIT_MS} ms to scan; bound its quantifiers, avoid alternatives that match the same text, or use a detector`
          );
        }
      }
    }
  }
  return undefined;
}

function scan(re: RegExp, text: string): number {
  const t0 = performance.now();
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) re.lastIndex++;
  }
  return performance.now() - t0;
}

/**
 * Growing by 4 while short, so an exponential pattern is caught before one
 * probe runs long, then doubling: a polynomial of degree d overshoots the
 * limit by at most 2^d on its last step.
 */
function probeLengths(max: number): number[] {
  const out: number[] = [];
  for (let n = 8; n < max; n = n < 32 ? n + 4 : n * 2) out.push(n);
  out.push(max);
  return out;
}

/** The characters the pattern names literally (ASCII), the base set, and a few two-character runs. */
function probeUnits(source: string): string[] {
  const chars = new Set<string>(BASE_CHARS);
  for (const ch of source.replace(/\\[dDwWsSbBnrtfv0]/g, '')) {
    if (chars.size >= MAX_CHARS) break;
    const code = ch.charCodeAt(0);
    if (code > 32 && code < 127) chars.add(ch);
  }
  return [...chars, ...PAIRS];
}
