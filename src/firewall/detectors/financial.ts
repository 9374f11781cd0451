// Payment card numbers (Luhn) and IBANs (mod 97 and the country's length).
// The pattern finds the longest candidate; the check then takes the longest
// valid prefix ending at a group boundary, so a number followed by more text
// ("4111 1111 1111 1111 123", an IBAN followed by a word) is still found.
// What may not follow a match is checked there too (the engine has no lookahead).
import type { Matcher } from '../matcher.js';
import { IBAN_LENGTHS, ibanValid, luhnValid } from './checksums.js';
import { asciiTable, detector, followedBy } from './kit.js';

// ---- credit_card ---------------------------------------------------------------
// 13-19 digits written the way cards are printed: ungrouped, 4-4-4-4 (and a
// 19-digit 4-4-4-4-3), or 4-6-5 / 4-6-4 (Amex, Diners), with one kind of
// separator (space or -). Loose groupings ("1 1 1 1 …") would make every digit
// of a number table a candidate.

// One kind of separator per number: each grouping is written out once per separator.
const CARD = [
  String.raw`\d{13,19}`,
  String.raw`\d{4} \d{4} \d{4} \d{4}(?: \d{3})?`,
  String.raw`\d{4}-\d{4}-\d{4}-\d{4}(?:-\d{3})?`,
  String.raw`\d{4} \d{6} \d{4,5}`,
  String.raw`\d{4}-\d{6}-\d{4,5}`,
].join('|');
const DIGIT = asciiTable(/\d/);

export const creditCard: Matcher = detector({
  pattern: CARD,
  notAfter: /[\d-]/,
  maxLength: 23,
  alphabet: /[0-9 -]/,
  accept: (text, start, end) => {
    // Longest Luhn-valid prefix that ends at a group boundary and not before a digit
    // (a 16-digit card followed by a group of 3 is still found).
    for (let e = end; e > start; e--) {
      if (e < end ? !isSeparator(text.charCodeAt(e)) : followedBy(text, e, DIGIT)) continue;
      const digits = digitsOf(text, start, e);
      if (digits.length < 13) break;
      if (luhnValid(digits)) return e;
    }
    return -1;
  },
});

function digitsOf(text: string, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) if (!isSeparator(text.charCodeAt(i))) out += text[i];
  return out;
}

function isSeparator(c: number): boolean {
  return c === 32 || c === 45;
}

// ---- iban ----------------------------------------------------------------------
// Country code, two check digits, then the account part, optionally in groups
// separated by single spaces (the printed form).

const ALNUM = asciiTable(/[A-Za-z0-9]/);

export const iban: Matcher = detector({
  pattern: String.raw`[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}`,
  notAfter: /[A-Za-z0-9]/,
  maxLength: 48,
  alphabet: /[A-Za-z0-9 ]/,
  accept: (text, start, end) => {
    // The country fixes the length, so one place can end the IBAN: after that many
    // characters, at a group boundary and not before a letter or digit (the pattern
    // may have run on into the next words).
    const length = IBAN_LENGTHS[text.slice(start, start + 2).toUpperCase()];
    if (length === undefined) return -1;
    let count = 0;
    let e = start;
    for (; e < end && count < length; e++) if (text.charCodeAt(e) !== 32) count++;
    if (count < length || (e < end ? text.charCodeAt(e) !== 32 : followedBy(text, e, ALNUM))) return -1;
    return ibanValid(text.slice(start, e).replaceAll(' ', '')) ? e : -1;
  },
});
