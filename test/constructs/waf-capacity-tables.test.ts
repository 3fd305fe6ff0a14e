/**
 * The managed rule groups' WCU table (MANAGED_RULE_GROUP_CAPACITY in waf-capacity.ts): every
 * group EdgeProtection can run has its published price, so a stage's quota budget and the
 * construct's 5,000 WCU check count each group at what AWS charges against the web ACL.
 */
import { describe, expect, it } from 'vitest';
import { freshModuleEachTest } from '../support/fresh-module';

// Loaded in each test, so the price table (built when waf-capacity.ts loads) is part of what
// each test pins. The group list comes from the same load, as EdgeProtection sees it.
const modules = freshModuleEachTest(async () => ({
  capacity: await import('../../lib/constructs/waf-capacity'),
  rules: await import('../../lib/constructs/edge-protection-rules'),
}));

// From the AWS WAF Developer Guide, "AWS Managed Rules rule groups list".
const PUBLISHED_WCU: Record<string, number> = {
  AWSManagedRulesAntiDDoSRuleSet: 50,
  AWSManagedRulesAmazonIpReputationList: 25,
  AWSManagedRulesAnonymousIpList: 50,
  AWSManagedRulesCommonRuleSet: 700,
  AWSManagedRulesKnownBadInputsRuleSet: 200,
  AWSManagedRulesSQLiRuleSet: 200,
  AWSManagedRulesBotControlRuleSet: 50,
};

describe('the WCU of a managed rule group', () => {
  it('is the published price for every group EdgeProtection can run', () => {
    const { capacity, rules } = modules();
    const priced = Object.fromEntries(
      rules.MANAGED_RULE_GROUPS.map((name) => [name, capacity.statementCapacity({ managedRuleGroupStatement: { vendorName: 'AWS', name } })]),
    );
    expect(priced).toEqual(PUBLISHED_WCU);
  });
});
