// Personal data: e-mail addresses, phone numbers, US social security numbers
// and IPv4 addresses. Every pattern is anchored so a scan does bounded work
// per position (no unbounded run followed by a test that can fail), and
// guarded on both sides so a match is never a slice of a longer token.
import type { Matcher, Span } from '../matcher.js';
import { asciiTable, detector, trailingRun } from './kit.js';

// ---- email: found from each '@', not with a pattern that starts anywhere -----
// A pattern like [\w.]+@… restarts at every letter of a text and re-reads the
// letters after it: quadratic on a long word. Searching for '@' first and
// reading at most 64 characters back and one domain forward is linear.

const LOCAL_MAX = 64;
const EMAIL_MAX = LOCAL_MAX + 1 + 253;
const LOCAL = asciiTable(/[A-Za-z0-9._%+-]/);
const EMAIL_ALPHABET = asciiTable(/[A-Za-z0-9._%+@-]/);
/** Labels of letters, digits and inner hyphens, then a 2-24 letter top-level domain. */
const DOMAIN = /(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;

export const email: Matcher = {
  maxLength: EMAIL_MAX,
  holdFrom: (text) => trailingRun(text, EMAIL_ALPHABET, EMAIL_MAX),
  find(text: string, from: number, limit: number, out: Span[]): void {
    let floor = from;
    for (let at = text.indexOf('@', floor); at !== -1; ) {
      let start = at;
      while (start > floor && at - start < LOCAL_MAX && isLocal(text.charCodeAt(start - 1))) start--;
      while (start < at && text.charCodeAt(start) === 46 /* . */) start++;
      if (start >= limit) return;
      DOMAIN.lastIndex = at + 1;
      const domain = start < at ? DOMAIN.exec(text) : null;
      if (domain) {
        const end = at + 1 + domain[0].length;
        out.push({ start, end });
        floor = end;
        at = text.indexOf('@', end);
      } else {
        at = text.indexOf('@', at + 1);
      }
    }
  },
};

function isLocal(c: number): boolean {
  return c < 128 && LOCAL[c] === 1;
}

// ---- phone -------------------------------------------------------------------
// Only numbers written as phone numbers: an international number starting with
// +, or a North American one in its usual groupings. A bare run of digits is
// an order number as often as a phone number, so it is not flagged.

const PHONE = new RegExp(
  [
    // +14155552671, +44 20 7946 0958, +49 (0)30 901820, +33-1-23-45-67-89: groups split by one separator.
    String.raw`(?<![\w+])\+(?:\d{7,15}|\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]\d{1,8}){1,6})(?![\w])`,
    // (415) 555-2671, 415-555-2671, 415.555.2671, 415 555 2671, optionally after 1-.
    String.raw`(?<![\w+(.-])(?:1[ .-])?(?:\(\d{3}\) ?\d{3}[ .-]|\d{3}([ .-])\d{3}\1)\d{4}(?![\w]|[.-]\d)`,
  ].join('|'),
  'g',
);

export const phone: Matcher = detector({
  regex: PHONE,
  maxLength: 40,
  alphabet: /[0-9 ().+-]/,
  accept: (text, start, end) => {
    const digits = text.slice(start, end).replace(/\D/g, '').length;
    return digits >= 7 && digits <= 15 ? end : -1;
  },
});

// ---- US social security number -------------------------------------------------
// Written with separators (a bare 9-digit run is too often something else);
// area 000, 666 and 900-999, group 00 and serial 0000 are never issued.

export const usSsn: Matcher = detector({
  regex: /(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d]|-\d)/g,
  maxLength: 11,
  alphabet: /[0-9 -]/,
});

// ---- IPv4 ----------------------------------------------------------------------

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;

export const ipv4: Matcher = detector({
  regex: new RegExp(String.raw`(?<![\d.])(?:${OCTET}\.){3}${OCTET}(?!\d|\.\d)`, 'g'),
  maxLength: 15,
  alphabet: /[0-9.]/,
});
