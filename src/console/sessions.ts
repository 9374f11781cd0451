// Console sessions: an admin key is exchanged once for a random 256-bit id
// kept in an HttpOnly cookie. The session remembers the key's NAME only (never
// the key) and is re-checked against the live ApiKeys at every use, so a key
// removed or stripped of `admin` by a reload loses the console at once.
// In memory and bounded: at most MAX_SESSIONS, the oldest goes first.
import { randomBytes } from 'node:crypto';
import type { PolicySet } from '../policy/types.js';

export const MAX_SESSIONS = 1000;
export const SESSION_LIFETIME_MS = 8 * 3600 * 1000;
export const COOKIE_NAME = 'tr_console';

interface Session {
  key: string;
  expires: number;
}

export class ConsoleSessions {
  // A Map iterates in insertion order: its first entry is the oldest session.
  readonly #sessions = new Map<string, Session>();

  constructor(
    private readonly max = MAX_SESSIONS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#sessions.size;
  }

  create(keyName: string): string {
    const id = randomBytes(32).toString('base64url');
    while (this.#sessions.size >= this.max) this.#sessions.delete(this.#sessions.keys().next().value!);
    this.#sessions.set(id, { key: keyName, expires: this.now() + SESSION_LIFETIME_MS });
    return id;
  }

  /** The session's key name when the session is alive and its key is still an admin key of `set`; else undefined (and a dead session is forgotten). */
  check(id: string | undefined, set: PolicySet): string | undefined {
    if (id === undefined) return undefined;
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    if (s.expires <= this.now() || !set.apiKeys.some((k) => k.name === s.key && k.admin === true)) {
      this.#sessions.delete(id);
      return undefined;
    }
    return s.key;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(id);
  }
}

/** The tr_console cookie's value from a Cookie header (no cookie library for one name). */
export function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE_NAME) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

export function setCookie(id: string, secure: boolean): string {
  return `${COOKIE_NAME}=${id}; HttpOnly; SameSite=Strict; Path=/console; Max-Age=${SESSION_LIFETIME_MS / 1000}${secure ? '; Secure' : ''}`;
}

export function clearCookie(secure: boolean): string {
  return `${COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0${secure ? '; Secure' : ''}`;
}
