// At most LOGIN_FAILURES_PER_MINUTE failed console logins per remote address
// per minute: guessing keys through the login form is no faster than through
// the data plane. Bounded: at most MAX_ADDRESSES addresses tracked, oldest out.
export const LOGIN_FAILURES_PER_MINUTE = 10;
const WINDOW_MS = 60_000;
const MAX_ADDRESSES = 10_000;

export class LoginLimit {
  readonly #failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether this address may try again now. */
  allowed(address: string): boolean {
    return this.#recent(address).length < LOGIN_FAILURES_PER_MINUTE;
  }

  failed(address: string): void {
    const list = this.#recent(address);
    list.push(this.now());
    this.#failures.delete(address);
    while (this.#failures.size >= MAX_ADDRESSES) this.#failures.delete(this.#failures.keys().next().value!);
    this.#failures.set(address, list);
  }

  #recent(address: string): number[] {
    const since = this.now() - WINDOW_MS;
    const list = (this.#failures.get(address) ?? []).filter((t) => t > since);
    if (list.length === 0) this.#failures.delete(address);
    return list;
  }
}
