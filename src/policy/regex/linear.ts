// The one regex engine the router runs over request and response text:
// re2js, a pure-JavaScript port of RE2, whose automata match in time linear
// in the input whatever the pattern (its backtracker visits each state and
// position at most once, so there is no catastrophic case). Every firewall rule, built-in detector and matchesRegex condition
// goes through this class, so the guarantee comes from the engine, not from
// a check on the pattern. Why re2js and not V8's experimental linear engine
// or re2-wasm: docs/security/regex.md (measured with bench/regex.ts).
//
// Positions are UTF-16 indices, as in JavaScript strings. Searching from a
// position keeps the text before it as context (\b, ^ in multiline mode).
import { RE2JS } from 're2js';
import { prefilterFor, type Prefilter } from './prefilter.js';

/** A cursor over one input: find(at) moves to the leftmost match starting at or after `at`. */
export interface RegexCursor {
  find(at: number): boolean;
  /** The current match. */
  readonly start: number;
  readonly end: number;
}

export class LinearRegex {
  readonly #re: RE2JS;
  #prefilter: Prefilter | null | undefined;

  /** `source` is RE2 syntax (translate.ts turns a policy's JavaScript syntax into it); throws when RE2 rejects it. */
  constructor(readonly source: string) {
    this.#re = RE2JS.compile(source);
  }

  /** A case-insensitive pattern matching `text` literally (substring rules). */
  static literal(text: string): LinearRegex {
    return new LinearRegex('(?i)' + RE2JS.quote(text));
  }

  /** What the syntax proves about where a match can be (prefilter.ts); null when nothing. Computed on first use. */
  get prefilter(): Prefilter | null {
    if (this.#prefilter === undefined) this.#prefilter = prefilterFor(this.source);
    return this.#prefilter;
  }

  /** Whether `text` contains a match: the lazy DFA, the fastest path. */
  test(text: string): boolean {
    return this.#re.test(text);
  }

  /** A cursor over `text`. */
  cursor(text: string): RegexCursor {
    const m = this.#re.matcher(text);
    const c = {
      start: -1,
      end: -1,
      find(at: number): boolean {
        if (at > text.length || !m.find(at)) return false;
        c.start = m.start();
        c.end = m.end();
        return true;
      },
    };
    return c;
  }

  /**
   * End of the match that starts exactly at `at`, or -1: an anchored match
   * over text[at, limit), so neither the text before `at` nor after `limit`
   * is seen ($ matches at `limit`).
   */
  matchAt(text: string, at: number, limit = text.length): number {
    const m = this.#re.matcher(at === 0 && limit >= text.length ? text : text.slice(at, limit));
    return m.lookingAt() ? at + m.end() : -1;
  }
}
