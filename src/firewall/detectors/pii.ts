// Personal data: e-mail addresses, phone numbers, US social security numbers
// and IPv4 addresses. Every pattern is anchored so a scan does bounded work
// per position (no unbounded run followed by a test that can fail), and
// guarded on both sides so a match is never a slice of a longer token.
import type { Matcher, Span } from '../matcher.js';
import { asciiTable, detector, followedBy, trailingRun } from './kit.js';

// ---- email: found from each '@', not with a pattern that starts anywhere -----
// A pattern like [\w.]+@… restarts at every letter of a text and re-reads the
// letters after it: quadratic on a long word in a backtracking engine. Searching
// for '@' first, reading at most 64 characters back and one domain forward, is
// linear, and the domain is read in code (a few label rules), not by a pattern.

const LOCAL_MAX = 64;
const EMAIL_MAX = LOCAL_MAX + 1 + 253;
const LOCAL = asciiTable(/[A-Za-z0-9._%+-]/);
const EMAIL_ALPHABET = asciiTable(/[A-Za-z0-9._%+@-]/);
const LABEL = asciiTable(/[A-Za-z0-9-]/);
const ALNUM = asciiTable(/[A-Za-z0-9]/);
const LETTER = asciiTable(/[A-Za-z]/);
const MAX_LABELS = 8;

export const email: Matcher = {
  maxLength: EMAIL_MAX,
  holdFrom: (text) => trailingRun(text, EMAIL_ALPHABET, EMAIL_MAX),
  find(text: string, from: number, limit: number, out: Span[]): void {
    let floor = from;
    for (let at = text.indexOf('@', floor); at !== -1; ) {
      let start = at;
      while (start > floor && at - start < LOCAL_MAX && isIn(LOCAL, text.charCodeAt(start - 1))) start--;
      while (start < at && text.charCodeAt(start) === 46 /* . */) start++;
      if (start >= limit) return;
      const end = start < at ? domainEnd(text, at + 1) : -1;
      if (end !== -1) {
        out.push({ start, end });
        floor = end;
        at = text.indexOf('@', end);
      } else {
        at = text.indexOf('@', at + 1);
      }
    }
  },
};

/**
 * End of the domain starting at `from`, or -1: one to eight labels (letters,
 * digits, inner hyphens, at most 63 characters) each followed by a dot, then a
 * top-level domain of 2-24 letters not followed by a label character. The most
 * labels that still leave a valid top-level domain win, as with the pattern
 * (?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-]).
 */
function domainEnd(text: string, from: number): number {
  const starts: number[] = [];
  let pos = from;
  while (starts.length < MAX_LABELS) {
    let r = pos;
    while (r < text.length && isIn(LABEL, text.charCodeAt(r))) r++;
    const n = r - pos;
    if (text.charCodeAt(r) !== 46 || n < 1 || n > 63 || !isIn(ALNUM, text.charCodeAt(pos)) || !isIn(ALNUM, text.charCodeAt(r - 1))) break;
    starts.push(pos);
    pos = r + 1;
  }
  // With k labels the top-level domain starts where label k + 1 would.
  for (let k = starts.length; k >= 1; k--) {
    const tld = k === starts.length ? pos : starts[k]!;
    let e = tld;
    while (e < text.length && e - tld < 24 && isIn(LETTER, text.charCodeAt(e))) e++;
    if (e - tld >= 2 && !isIn(LABEL, text.charCodeAt(e))) return e;
  }
  return -1;
}

function isIn(table: Uint8Array, c: number): boolean {
  return c < 128 && table[c] === 1;
}

// ---- phone -------------------------------------------------------------------
// Only numbers written as phone numbers: an international number starting with
// +, or a North American one in its usual groupings. A bare run of digits is
// an order number as often as a phone number, so it is not flagged. What may
// follow a number is part of the pattern (consumed, so the engine picks the
// same grouping a lookahead would), and trimmed off: a number ends with its
// last digit, and no boundary contains one.

const PHONE = [
  // +14155552671, +44 20 7946 0958, +49 (0)30 901820, +33-1-23-45-67-89: groups split by one separator; then no word character.
  String.raw`\+(?:\d{7,15}|\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]\d{1,8}){1,6})(?:\W|$)`,
  // (415) 555-2671, 415-555-2671, 415.555.2671, 415 555 2671, optionally after 1-; then no word character, nor . or - and a digit.
  String.raw`(?:1[ .-])?(?:\(\d{3}\) ?\d{3}[ .-]|\d{3} \d{3} |\d{3}\.\d{3}\.|\d{3}-\d{3}-)\d{4}(?:[^\w.-]|[.-](?:\D|$)|$)`,
].join('|');
const NOT_BEFORE_LOCAL = asciiTable(/[(.-]/);

export const phone: Matcher = detector({
  pattern: PHONE,
  notAfter: /[\w+]/,
  maxLength: 40,
  alphabet: /[0-9 ().+-]/,
  accept: (text, start, end) => {
    // A North American number may not follow ( . or - either.
    if (text.charCodeAt(start) !== 43 /* + */ && start > 0 && isIn(NOT_BEFORE_LOCAL, text.charCodeAt(start - 1))) return -1;
    let digits = 0;
    let last = start;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        digits++;
        last = i + 1;
      }
    }
    return digits >= 7 && digits <= 15 ? last : -1;
  },
});

// ---- US social security number -------------------------------------------------
// Written with separators (a bare 9-digit run is too often something else);
// area 000, 666 and 900-999, group 00 and serial 0000 are never issued.

const DIGIT = asciiTable(/\d/);

export const usSsn: Matcher = detector({
  pattern: String.raw`\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}`,
  notAfter: /[\d-]/,
  maxLength: 11,
  alphabet: /[0-9 -]/,
  accept: (text, start, end) => {
    const area = text.slice(start, start + 3);
    if (area === '000' || area === '666' || area[0] === '9') return -1;
    if (text.startsWith('00', start + 4) || text.startsWith('0000', start + 7)) return -1;
    return followedBy(text, end, DIGIT) || (text.charCodeAt(end) === 45 && followedBy(text, end + 1, DIGIT)) ? -1 : end;
  },
});

// ---- IPv4 ----------------------------------------------------------------------

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;

export const ipv4: Matcher = detector({
  pattern: String.raw`(?:${OCTET}\.){3}${OCTET}`,
  notAfter: /[\d.]/,
  maxLength: 15,
  alphabet: /[0-9.]/,
  accept: (text, start, end) => (followedBy(text, end, DIGIT) || (text.charCodeAt(end) === 46 && followedBy(text, end + 1, DIGIT)) ? -1 : end),
});
