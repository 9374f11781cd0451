// Every detector against its table of true and false positives
// (test/fixtures/firewall/detectors/<name>.yaml): exactly the listed matches
// in each positive text, nothing in each negative one. Each positive is also
// scanned straddling a window boundary of the bounded scanner, where a match
// must come out exactly as in a short text.
import { expect } from 'chai';
import { DETECTORS } from '../../../src/firewall/detectors/index.js';
import type { Matcher } from '../../../src/firewall/matcher.js';
import { ScanBudget, scanStepChars, scanText } from '../../../src/firewall/scan.js';
import { FIREWALL_DETECTORS, type FirewallDetectorName } from '../../../src/policy/vocabulary.js';
import { fixtureNames, readFixture } from './helpers.js';

interface DetectorFixture {
  positives: { text: string; matches: string[] }[];
  negatives: string[];
}

function found(m: Matcher, text: string): string[] {
  const budget = new ScanBudget(60_000);
  return budget.run(() => scanText(m, text, budget, 'test')).map((s) => text.slice(s.start, s.end));
}

describe('firewall detectors', () => {
  it('every detector of the vocabulary has an implementation and a fixture table, and nothing else does', () => {
    const names = Object.keys(FIREWALL_DETECTORS).sort();
    expect(Object.keys(DETECTORS).sort()).to.deep.equal(names);
    expect(fixtureNames('detectors')).to.deep.equal(names);
  });

  for (const name of Object.keys(FIREWALL_DETECTORS) as FirewallDetectorName[]) {
    describe(name, () => {
      const fx = readFixture<DetectorFixture>('detectors', `${name}.yaml`);
      const m = DETECTORS[name];

      it('has at least one true and four false positives in its table', () => {
        expect(fx.positives.length).to.be.greaterThan(0);
        expect(fx.negatives.length).to.be.at.least(4);
      });

      for (const p of fx.positives) {
        it(`finds ${JSON.stringify(p.matches)} in ${JSON.stringify(p.text.slice(0, 50))}`, () => {
          expect(found(m, p.text)).to.deep.equal(p.matches);
          for (const match of p.matches) expect(match.length, 'a match is never longer than maxLength').to.be.at.most(m.maxLength);
        });
      }

      for (const text of fx.negatives) {
        it(`finds nothing in ${JSON.stringify(text.slice(0, 50))}`, () => {
          expect(found(m, text)).to.deep.equal([]);
        });
      }

      it('finds the same matches when they straddle a window boundary of a long text', () => {
        const step = scanStepChars(m.maxLength);
        for (const p of fx.positives) {
          const first = p.text.indexOf(p.matches[0]!);
          // Put the first match two characters before the boundary, behind plain words.
          const padLength = Math.max(0, step - 2 - first);
          const pad = 'lorem ipsum '.repeat(Math.ceil(padLength / 12)).slice(0, padLength - 1) + ' ';
          expect(found(m, pad + p.text), p.text).to.deep.equal(p.matches);
        }
      });
    });
  }
});
