// A multi-pattern substring matcher (Aho-Corasick): which of N patterns occur
// in a text, in one pass over the text whatever N is. The rule index uses it so
// that 1,000 `contains` rules cost one scan of the prompt, not 1,000.
//
// Matching works on UTF-16 code units, exactly like String.prototype.includes,
// and is case-sensitive: callers lower-case both sides the way the operator
// they stand in for does. Characters that occur in no pattern share one
// alphabet class, so the transition table is states × (distinct pattern
// characters + 1) wide. Up to DENSE_LIMIT table cells the automaton is a full
// DFA (one array read per character); beyond that it keeps only trie edges and
// follows failure links, trading speed for memory on huge pattern sets.

const DENSE_LIMIT = 4_000_000; // cells of Int32 (16 MB)

export interface AhoCorasickOptions {
  /** Override the dense-table budget (tests use it to exercise the sparse mode). */
  denseLimit?: number;
}

export class AhoCorasick {
  readonly patternCount: number;
  readonly dense: boolean;
  /** Alphabet class of each UTF-16 code unit; 0 = occurs in no pattern. */
  private readonly classOf: Uint16Array;
  private readonly width: number;
  /** Dense mode: full transition function, see forEachMatch for the encoding. */
  private readonly rowTable: Int32Array | null;
  /** Sparse mode: trie edges per state (class → state) and failure links. */
  private readonly edges: Map<number, number>[] | null;
  private readonly fail: Int32Array;
  /** The pattern that ends exactly at a state, or -1. */
  private readonly own: Int32Array;
  /** Nearest state on the failure chain (excluding itself) where a pattern ends; 0 = none. */
  private readonly dictLink: Int32Array;
  /** 1 when a match is reported at this state (own pattern or a dictionary link). */
  private readonly reports: Uint8Array;
  /** Per-pattern stamp of the last scan that reported it, so each pattern is reported once per scan. */
  private readonly seen: Uint32Array;
  /** Extra ids of duplicate patterns, keyed by the id that owns their state. */
  private readonly aliases: Map<number, number[]>;
  private scan = 0;

  /** `patterns` must be non-empty strings; duplicates are allowed and each id is reported. */
  constructor(patterns: readonly string[], opts: AhoCorasickOptions = {}) {
    this.patternCount = patterns.length;
    this.seen = new Uint32Array(patterns.length);
    this.classOf = new Uint16Array(65536);
    let classes = 0;
    for (const p of patterns) {
      if (p.length === 0) throw new Error('AhoCorasick: empty pattern');
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (this.classOf[c] === 0) this.classOf[c] = ++classes;
      }
    }
    this.width = classes + 1;

    // 1. The trie. Equal patterns share a terminal state; `alias` keeps the extra ids.
    const children: Map<number, number>[] = [new Map()];
    const ownList: number[] = [-1];
    const alias = new Map<number, number[]>();
    patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const k = this.classOf[p.charCodeAt(i)]!;
        let next = children[s]!.get(k);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ownList.push(-1);
          children[s]!.set(k, next);
        }
        s = next;
      }
      if (ownList[s] === -1) ownList[s] = id;
      else alias.set(ownList[s]!, [...(alias.get(ownList[s]!) ?? []), id]);
    });
    this.aliases = alias;
    const n = children.length;
    this.own = Int32Array.from(ownList);
    this.fail = new Int32Array(n);
    this.dictLink = new Int32Array(n);
    this.reports = new Uint8Array(n);
    this.dense = n * this.width <= (opts.denseLimit ?? DENSE_LIMIT);
    const delta = this.dense ? new Int32Array(n * this.width) : null;

    // 2. Failure links breadth-first; in dense mode fill every transition.
    const queue: number[] = [];
    for (const [k, child] of children[0]!) {
      queue.push(child);
      if (delta) delta[k] = child;
    }
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      const f = this.fail[s]!;
      this.dictLink[s] = this.own[f]! !== -1 ? f : this.dictLink[f]!;
      this.reports[s] = this.own[s]! !== -1 || this.dictLink[s]! !== 0 ? 1 : 0;
      if (delta) for (let k = 0; k < this.width; k++) delta[s * this.width + k] = delta[f * this.width + k]!;
      for (const [k, child] of children[s]!) {
        this.fail[child] = delta ? delta[f * this.width + k]! : this.sparseStep(children, f, k);
        if (delta) delta[s * this.width + k] = child;
        queue.push(child);
      }
    }
    if (delta) for (let i = 0; i < delta.length; i++) delta[i] = this.reports[delta[i]!] ? ~(delta[i]! * this.width) : delta[i]! * this.width;
    this.rowTable = delta;
    this.edges = delta ? null : children;
  }

  /** Calls `onMatch(patternId)` once for every pattern that occurs in `text`, in order of first discovery. */
  forEachMatch(text: string, onMatch: (patternId: number) => void): void {
    if (this.patternCount === 0) return;
    // A fresh stamp per scan avoids clearing `seen`; the scan itself is synchronous.
    if (++this.scan === 0xffffffff) {
      this.seen.fill(0);
      this.scan = 1;
    }
    const { classOf, reports } = this;
    if (this.rowTable) {
      // Hot loop: one table read per character. Entries hold the next state's row
      // offset (state × width), bit-inverted when a match is reported there.
      const table = this.rowTable;
      const width = this.width;
      let row = 0;
      for (let i = 0; i < text.length; i++) {
        const next = table[row + classOf[text.charCodeAt(i)]!]!;
        if (next >= 0) row = next;
        else {
          row = ~next;
          this.report(row / width, onMatch);
        }
      }
      return;
    }
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      s = this.sparseStep(this.edges!, s, classOf[text.charCodeAt(i)]!);
      if (reports[s] === 1) this.report(s, onMatch);
    }
  }

  /** Convenience for tests and tools: the distinct pattern ids that occur in `text`, ascending. */
  matches(text: string): number[] {
    const out: number[] = [];
    this.forEachMatch(text, (id) => out.push(id));
    return out.sort((a, b) => a - b);
  }

  private report(state: number, onMatch: (patternId: number) => void): void {
    let p = this.own[state]! !== -1 ? state : this.dictLink[state]!;
    while (p !== 0) {
      const id = this.own[p]!;
      // Once a pattern was reported this scan, every pattern on its dictionary chain was too.
      if (this.seen[id] === this.scan) return;
      this.seen[id] = this.scan;
      onMatch(id);
      const extra = this.aliases.get(id);
      if (extra) for (const x of extra) onMatch(x);
      p = this.dictLink[p]!;
    }
  }

  private sparseStep(children: readonly Map<number, number>[], state: number, k: number): number {
    let s = state;
    for (;;) {
      const next = children[s]!.get(k);
      if (next !== undefined) return next;
      if (s === 0) return 0;
      s = this.fail[s]!;
    }
  }
}
