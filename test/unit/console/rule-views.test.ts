import { expect } from 'chai';
import { sourceUrl, staticRuleWarnings } from '../../../src/console/rule-views.js';

const problem = (message: string) => ({ file: 'r.yaml', line: 3, col: 7, pointer: '/spec/rules/1/name', message });

describe('console: rule views', () => {
  it('turns the shadowed-rule check into "shadowed by <rule>" and keeps other warnings naming the rule', () => {
    const problems = [
      problem('rule "late" is shadowed by "early" (r.yaml:2): that rule is evaluated first, matches every request this one matches and already sets set_model, so this rule never changes a decision'),
      problem('rule "late" forces a model without the tools capability'),
      problem('rule "latest" is shadowed by "early" (r.yaml:2): …'),
    ];
    expect(staticRuleWarnings(problems, 'late')).to.deep.equal(['shadowed by early', 'rule "late" forces a model without the tools capability']);
    expect(staticRuleWarnings(problems, 'early')).to.deep.equal([]);
  });

  it('fills the source URL template', () => {
    expect(sourceUrl('https://git.example.com/p/blob/main/{file}#L{line}', 'dir/rules one.yaml', 12)).to.equal('https://git.example.com/p/blob/main/dir/rules%20one.yaml#L12');
    expect(sourceUrl(undefined, 'a.yaml', 1)).to.equal(null);
  });
});
