import { describe, expect, it } from 'vitest';
import { statementCapacity, webAclCapacity } from '../../lib/constructs/waf-capacity';

// WCU prices from the AWS WAF Developer Guide, one statement kind at a time.
const ipSet = { ipSetReferenceStatement: { arn: 'arn' } };
const none = [{ priority: 0, type: 'NONE' }];
const decode = [{ priority: 0, type: 'URL_DECODE' }, { priority: 1, type: 'NORMALIZE_PATH' }];
const byteMatch = (positionalConstraint: string, textTransformations = none) => ({
  byteMatchStatement: { searchString: '/v1', fieldToMatch: { uriPath: {} }, positionalConstraint, textTransformations },
});
const rate = (extra: Record<string, unknown> = {}) => ({ rateBasedStatement: { limit: 100, aggregateKeyType: 'IP', ...extra } });
const header = (textTransformations: unknown) => ({ header: { name: 'authorization', textTransformations } });

describe('statementCapacity', () => {
  it('an IP set is 1; a size constraint 1 plus 10 per transformation other than NONE', () => {
    expect(statementCapacity(ipSet)).toBe(1);
    expect(statementCapacity({ sizeConstraintStatement: { comparisonOperator: 'GT', size: 1, fieldToMatch: { body: {} }, textTransformations: none } })).toBe(1);
    expect(statementCapacity({ sizeConstraintStatement: { comparisonOperator: 'GT', size: 1, fieldToMatch: { body: {} }, textTransformations: decode } })).toBe(21);
  });

  it('a string match is 2 when exact, prefix or suffix, 10 when contains, plus its transformations', () => {
    expect(['EXACTLY', 'STARTS_WITH', 'ENDS_WITH'].map((position) => statementCapacity(byteMatch(position)))).toEqual([2, 2, 2]);
    expect(statementCapacity(byteMatch('CONTAINS'))).toBe(10);
    expect(statementCapacity(byteMatch('STARTS_WITH', decode))).toBe(22);
  });

  it('a rate-based rule is 2, plus 30 per custom key and its transformations, plus its scope-down', () => {
    expect(statementCapacity(rate())).toBe(2);
    expect(statementCapacity(rate({ customKeys: [header(none)] }))).toBe(32);
    expect(statementCapacity(rate({ customKeys: [header(decode), header(none)] }))).toBe(82);
    expect(statementCapacity(rate({ scopeDownStatement: byteMatch('CONTAINS') }))).toBe(12);
  });

  it('and / or are the sum of what they nest, not the statement they wrap', () => {
    expect(statementCapacity({ andStatement: { statements: [ipSet, byteMatch('CONTAINS')] } })).toBe(11);
    expect(statementCapacity({ orStatement: { statements: [ipSet, ipSet, ipSet] } })).toBe(3);
    expect(statementCapacity({ notStatement: { statement: byteMatch('EXACTLY') } })).toBe(2);
  });

  it('a managed group is its listed price; an unlisted group or statement kind is refused by name', () => {
    expect(statementCapacity({ managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } })).toBe(700);
    expect(() => statementCapacity({ managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesLinuxRuleSet' } })).toThrow(
      'No WCU price for managed rule group AWSManagedRulesLinuxRuleSet: add it to MANAGED_RULE_GROUP_CAPACITY',
    );
    expect(() => statementCapacity({ geoMatchStatement: { countryCodes: ['XX'] } })).toThrow('No WCU price for rule statement geoMatchStatement');
  });
});

describe('webAclCapacity', () => {
  const rule = (statement: object) => ({ name: 'r', priority: 0, statement, visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'r' } });

  it('sums the rules, and adds 150 for Shield automatic response only when it is on', () => {
    const rules = [rule(ipSet), rule(byteMatch('CONTAINS'))];
    expect(webAclCapacity(rules, false)).toBe(11);
    expect(webAclCapacity(rules, true)).toBe(161);
  });
});
